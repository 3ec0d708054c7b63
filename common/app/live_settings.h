#pragma once
// Which settings a SIGHUP applies to the running daemon (HangupHandler); a change to any
// other key is logged as needing a restart. --check-config and docs/configuration.md mark
// the same keys.

#include <string_view>

namespace ferry::app {

// `key` without array indices (config::generic_key).
inline bool changes_live(std::string_view key) {
  return key == "log.level" || key == "tls.cert" || key == "tls.key" || key == "tls.ca" ||
         key == "tls.crl";
}

}  // namespace ferry::app
