#pragma once
// Which consumer writes a stream (host, category) when the consumer tier is coordinated
// in ZooKeeper: streams hash into kSlots fixed slots, and each slot goes to the live
// consumer ranked first for it by rendezvous hashing. Brokers route by it and consumers
// claim their slots by it, from the same /consumers list, so both agree; a consumer
// joining or leaving moves only the slots it wins or held.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::zk {

inline constexpr uint32_t kSlots = 256;

// The slot of a stream: stable across processes and versions (part of the protocol).
uint32_t slot_of(std::string_view host, std::string_view category);

class SlotMap {
 public:
  SlotMap() = default;
  // `ids`: the live consumers' ids, in any order.
  explicit SlotMap(std::vector<std::string> ids);

  bool empty() const { return owners_.empty(); }
  // The id ranked first for `slot`; empty when there is no consumer.
  const std::string& owner(uint32_t slot) const;
  const std::string& owner_of(std::string_view host, std::string_view category) const {
    return owner(slot_of(host, category));
  }

 private:
  std::vector<std::string> owners_;  // by slot
};

}  // namespace ferry::zk
