#pragma once
// ConfigError: the one exception type of startup. Thrown while loading or validating a
// config file, caught in main, which prints what() and exits non-zero (DESIGN §11).

#include <stdexcept>
#include <string>

namespace ferry::config {

// what() is "<file>:<line>: <key>: <reason>"; an empty file or key and a zero line are
// left out. For a TOML syntax error the key is the position "line:col".
struct ConfigError : std::runtime_error {
  ConfigError(std::string file, std::string key, std::string reason, int line = 0);

  std::string file;
  std::string key;
  std::string reason;
  int line;  // of the key in the file; 0 when the key is absent or the error has no place
};

}  // namespace ferry::config
