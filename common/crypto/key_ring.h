#pragma once
// Payload-sealing keys (DESIGN §10, docs/security.md "Sealed payloads"): a directory of
// `<id>.key` files, each 64 hex digits (a 256-bit AES key) and a newline, mode 0600.
// Ids are decimal, 1..4294967295; the newest (highest) id seals, any held id opens, so a
// rotation adds a key, waits for the old one's batches to drain, then removes the old.
// Agents and consumers hold keys; brokers never do.

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/base/result.h"

namespace ferry::crypto {

using Key = std::array<uint8_t, 32>;

struct KeyRing {
  std::map<uint32_t, Key> keys;

  // The id to seal with: the highest held (0 when empty).
  uint32_t newest_id() const { return keys.empty() ? 0 : keys.rbegin()->first; }
  // "1, 2" (for logs).
  std::string describe_ids() const;
  const Key* find(uint32_t id) const {
    auto it = keys.find(id);
    return it == keys.end() ? nullptr : &it->second;
  }
};

// Reads every `*.key` in `dir`. A file with a bad name, contents or a mode that lets
// anyone but the owner read it fails the whole load: `why` names the file and reason.
// Other files are ignored.
Result<KeyRing> load_key_dir(const std::filesystem::path& dir, std::string& why);

// Makes `<next id>.key` in `dir` (created 0700 if absent) from RAND_bytes; returns its id.
Result<uint32_t> make_key_file(const std::filesystem::path& dir, std::string& why);

// The keys a running daemon seals or opens with; reload() (SIGHUP) swaps in a fresh
// load, or keeps the current ring when the directory fails to load. Thread-safe.
class KeyStore {
 public:
  // Loads `dir` once; empty `why` on success.
  KeyStore(std::filesystem::path dir, std::string& why);

  std::shared_ptr<const KeyRing> current() const {
    std::lock_guard lock(mu_);
    return ring_;
  }
  // Empty on success; otherwise why the keys were kept.
  std::string reload();
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  mutable std::mutex mu_;
  std::shared_ptr<const KeyRing> ring_ = std::make_shared<KeyRing>();
};

}  // namespace ferry::crypto
