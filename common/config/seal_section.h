#pragma once
// The [seal] section of an agent's or consumer's config (docs/security.md "Sealed
// payloads"): where the payload-sealing keys live. Brokers have no such section.
//
//   [seal]
//   keys_dir = "/etc/ferry/seal-keys"   # <id>.key files; unset: no sealing

#include <string>

#include "common/config/config_reader.h"

namespace ferry::config {

// The keys directory, or "" when [seal] is absent. The directory is loaded here, so a
// missing, empty or bad one refuses the config at start, naming the file and reason.
std::string read_seal_section(const ConfigReader& root);

}  // namespace ferry::config
