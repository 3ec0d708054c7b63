#pragma once
// What every daemon's config has: names (node id, host, dc), addresses, and the [tls] and
// [log] sections.

#include <string>
#include <string_view>

#include "common/config/config_reader.h"
#include "common/log/log_level.h"
#include "common/tls/tls_options.h"

namespace ferry::config {

// A required name at `key`: 1-255 chars of [A-Za-z0-9._-] (batch::valid_name).
std::string read_name(const ConfigReader& r, std::string_view key);

// A node's identity (host, node_id, dc): a name as above, lowercased, since identities
// compare in one canonical case (common/tls/role_claim.h).
std::string read_identity_name(const ConfigReader& r, std::string_view key);

// A host:port at `key`, or `def` when the key is absent. An empty result only when absent
// and `def` is empty (an optional address left off).
std::string read_address(const ConfigReader& r, std::string_view key, std::string_view def);

// [tls] cert, key, ca: all required; crl: optional (a PEM CRL of that CA). Re-read on
// SIGHUP by the daemons (common/tls/context_source.h).
tls::TlsOptions read_tls_section(const ConfigReader& root);

struct LogSettings {
  std::string level = "info";
  std::string file;  // empty: stderr
  log::LogFormat format = log::LogFormat::kText;
};

// [log] level, file, format.
LogSettings read_log_section(const ConfigReader& root);

}  // namespace ferry::config
