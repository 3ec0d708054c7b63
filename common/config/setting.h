#pragma once
// One key a program asked its ConfigReader for, as the reader resolved it: what
// `--check-config` prints, what a SIGHUP compares against the running config, and the list
// of keys the documentation test holds docs/configuration.md and deploy/*.toml to.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::config {

struct Setting {
  std::string key;    // full key: "batch.max_bytes", "source[0].paths"
  std::string value;  // the effective value, as TOML ("1MiB" sizes and "5s" durations quoted)
  std::string def;    // the default, as TOML; empty for a required key
  std::string type;   // "string", "integer", "boolean", "number", "strings", "duration", "size"
  bool from_file = false;
  bool required = false;
};

using Settings = std::vector<Setting>;

// The key without array indices: "source[0].paths" -> "source.paths".
std::string generic_key(const std::string& key);

// One line per distinct generic key: key, type, default, "live" or "restart", "required"
// or "optional", tab-separated (--config-keys; docs/configuration.md is checked
// against it).
std::string format_key_table(const Settings& settings,
                             const std::function<bool(std::string_view)>& live);

// The settings as a TOML document (top-level keys first, then one table per section,
// [[name]] for arrays of tables), each line marked "# default" when the file left the key
// out and "changes on SIGHUP" when `live` says so, so the output can itself be checked
// again.
std::string format_settings(const Settings& settings,
                            const std::function<bool(std::string_view)>& live = {});

}  // namespace ferry::config
