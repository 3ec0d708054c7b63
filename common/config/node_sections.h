#pragma once
// The [tls] and [log] sections every daemon's config has.

#include <string>

#include "common/config/config_reader.h"

namespace ferry::config {

struct TlsFiles {
  std::string cert, key, ca;
};

// [tls] cert, key, ca: all required.
TlsFiles read_tls_section(const ConfigReader& root);

struct LogSettings {
  std::string level = "info";
  std::string file;  // empty: stderr
};

// [log] level, file.
LogSettings read_log_section(const ConfigReader& root);

}  // namespace ferry::config
