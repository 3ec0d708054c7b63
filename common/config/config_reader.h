#pragma once
// ConfigReader: typed, validated access to one parsed TOML config file. Each program
// fills its own config struct from it, then calls finish() so that a key nobody read
// (a typo such as "listne") is refused at start instead of silently ignored.
//
// Keys are dotted paths relative to the reader ("broker.listen", "tls.cert"). Every
// getter takes the default used when the key is absent; a present key of the wrong type,
// out of range, or unparseable throws ConfigError{file, full key, reason}. section() and
// tables() return readers over a sub-table or over each table of an array of tables
// ([[source]]); their keys are reported with the full path ("source[1].paths").
//
// Every getter (and require()) records the key it was asked for with its default and the
// value it resolved to, so settings() lists every key a program knows, set or not (for
// --check-config, SIGHUP comparisons and the documentation test). Errors about a key
// present in the file carry its line; a key nobody asked for, or a required key that is
// missing, is reported with the nearest known or present key ("did you mean").
//
// Readers made from one file share the record of which keys were read. Not thread-safe:
// startup code on one thread.

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config_error.h"
#include "common/config/setting.h"
#include "common/config/units.h"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace ferry::config {

class ConfigReader {
 public:
  // Parses the file; throws ConfigError if it can't be read or isn't valid TOML (the
  // key then is "line:col").
  explicit ConfigReader(const std::string& path);

  // Parses `text`; `file` names it in errors. For tests and for tools.
  static ConfigReader from_string(std::string_view text, std::string file = "<string>");

  std::string str(std::string_view key, std::string_view def) const;
  int64_t integer(std::string_view key, int64_t def,
                  int64_t min = std::numeric_limits<int64_t>::min(),
                  int64_t max = std::numeric_limits<int64_t>::max()) const;
  bool boolean(std::string_view key, bool def) const;
  // Accepts a TOML float or integer.
  double number(std::string_view key, double def,
                double min = -std::numeric_limits<double>::infinity(),
                double max = std::numeric_limits<double>::infinity()) const;
  std::vector<std::string> strings(std::string_view key,
                                   const std::vector<std::string>& def = {}) const;
  // A string with a unit ("200ms", "5s", "2m", "24h", "7d") or an integer in ms.
  Duration duration(std::string_view key, Duration def, Duration min = Duration::zero(),
                    Duration max = Duration::max()) const;
  // A string with a unit ("64KiB", "1MiB", "10GB", "512B") or an integer in bytes.
  uint64_t bytes(std::string_view key, uint64_t def, uint64_t min = 0,
                 uint64_t max = std::numeric_limits<uint64_t>::max()) const;

  bool has(std::string_view key) const;
  // Throws ConfigError if `key` is absent.
  void require(std::string_view key) const;

  // A reader over the table at `key` (an empty one if absent).
  ConfigReader section(std::string_view key) const;
  // One reader per table of the array of tables at `key` ([[source]]); empty if absent.
  std::vector<ConfigReader> tables(std::string_view key) const;
  // The names directly under `key` ("" = this table), sorted. Doesn't mark
  // anything as read: for maps keyed by name, such as [category.song_completion].
  std::vector<std::string> keys(std::string_view key = "") const;

  // Throws ConfigError naming the first key under this reader that was never read
  // (and listing the others in the reason). Call once, after everything was read.
  void finish() const;

  // A ConfigError for `key` (relative to this reader), for checks the program makes
  // itself, e.g. "must name an existing directory".
  ConfigError error(std::string_view key, std::string reason) const;

  // Every key asked for so far, in the order first asked.
  const Settings& settings() const;

  const std::string& file() const;
  // This reader's position in the file, "" for the root, "source[1]" for a table.
  const std::string& prefix() const { return prefix_; }

  ConfigReader(const ConfigReader&) = default;
  ConfigReader& operator=(const ConfigReader&) = default;
  ConfigReader(ConfigReader&&) noexcept = default;
  ConfigReader& operator=(ConfigReader&&) noexcept = default;
  ~ConfigReader();

 private:
  struct Shared;

  ConfigReader(std::shared_ptr<Shared> shared, const toml::table* table, std::string prefix);

  // The node at `key`, or nullptr. Marks the key as read when `mark` is set.
  const toml::node* find(std::string_view key, bool mark) const;
  std::string full_key(std::string_view key) const;
  // Records that `key` was asked for (value and default as TOML).
  void note(std::string_view key, std::string_view type, std::string value, std::string def,
            bool from_file) const;
  // The line of `key` in the file, 0 if absent.
  int line_of(std::string_view key) const;

  std::shared_ptr<Shared> shared_;
  const toml::table* table_;  // owned by shared_
  std::string prefix_;
};

}  // namespace ferry::config
