#include "common/config/config_error.h"

#include <utility>

namespace ferry::config {
namespace {

std::string format_what(const std::string& file, const std::string& key, const std::string& reason,
                        int line) {
  std::string out;
  if (!file.empty()) out += line > 0 ? file + ":" + std::to_string(line) + ": " : file + ": ";
  if (!key.empty()) out += key + ": ";
  return out + reason;
}

}  // namespace

ConfigError::ConfigError(std::string file_in, std::string key_in, std::string reason_in,
                         int line_in)
    : std::runtime_error(format_what(file_in, key_in, reason_in, line_in)),
      file(std::move(file_in)),
      key(std::move(key_in)),
      reason(std::move(reason_in)),
      line(line_in) {}

}  // namespace ferry::config
