#include "common/config/seal_section.h"

#include "common/crypto/key_ring.h"

namespace ferry::config {

std::string read_seal_section(const ConfigReader& root) {
  auto seal = root.section("seal");
  std::string dir = seal.str("keys_dir", "");
  if (dir.empty()) return dir;
  std::string why;
  auto ring = crypto::load_key_dir(dir, why);
  if (!ring) throw seal.error("keys_dir", why);
  if (ring.value().keys.empty())
    throw seal.error("keys_dir", "no <id>.key file in " + dir + " (ferryctl keys new)");
  return dir;
}

}  // namespace ferry::config
