#include "common/zk/rendezvous.h"

#include <algorithm>
#include <cstdint>

namespace ferry::zk {

namespace {

// FNV-1a over key and id, then a 64-bit finaliser (splitmix64) so that ids differing in
// one character do not get neighbouring weights.
uint64_t weight(std::string_view key, std::string_view id) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
  };
  mix(key);
  mix(std::string_view("\0", 1));
  mix(id);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

}  // namespace

std::vector<std::string> rendezvous_rank(std::string_view key, std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) {
    uint64_t wa = weight(key, a), wb = weight(key, b);
    return wa != wb ? wa > wb : a < b;
  });
  return ids;
}

}  // namespace ferry::zk
