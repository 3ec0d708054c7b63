#include "common/zk/slot_map.h"

#include "common/zk/rendezvous.h"

namespace ferry::zk {

uint32_t slot_of(std::string_view host, std::string_view category) {
  // FNV-1a over "host\0category", then splitmix64's finaliser: FNV's low bits alone
  // put names like h1 and h14 in one slot.
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
  };
  mix(host);
  mix(std::string_view("\0", 1));
  mix(category);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return static_cast<uint32_t>(h % kSlots);
}

SlotMap::SlotMap(std::vector<std::string> ids) {
  if (ids.empty()) return;
  owners_.reserve(kSlots);
  for (uint32_t s = 0; s < kSlots; ++s)
    owners_.push_back(rendezvous_rank("slot-" + std::to_string(s), ids).front());
}

const std::string& SlotMap::owner(uint32_t slot) const {
  static const std::string kNone;
  return owners_.empty() ? kNone : owners_[slot % kSlots];
}

}  // namespace ferry::zk
