#pragma once
// One key a program asked its ConfigReader for, as the reader resolved it: what
// `--check-config` prints, what a SIGHUP compares against the running config, and the list
// of keys the documentation test holds docs/configuration.md and deploy/*.toml to.

#include <string>
#include <vector>

namespace ferry::config {

struct Setting {
  std::string key;    // full key: "batch.max_bytes", "source[0].paths"
  std::string value;  // the effective value, as TOML ("1MiB" sizes and "5s" durations quoted)
  std::string def;    // the default, as TOML; empty for a required key
  bool from_file = false;
  bool required = false;
};

using Settings = std::vector<Setting>;

// The key without array indices: "source[0].paths" -> "source.paths".
std::string generic_key(const std::string& key);

// The settings as a TOML document (top-level keys first, then one table per section,
// [[name]] for arrays of tables), each line marked "# default" when the file left the key
// out, so the output can itself be checked again.
std::string format_settings(const Settings& settings);

}  // namespace ferry::config
