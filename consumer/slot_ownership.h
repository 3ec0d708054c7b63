#pragma once
// Which slots (common/zk/slot_map.h) this consumer may write, kept with ZooKeeper so
// that each slot has one writer at a time (docs/coordination.md):
//   /slots/<n>/lock  ephemeral, held by the writer; data: its fence tag <id>-<epoch>
//   /slots/<n>       persistent; data: the fence tag of its latest holder
// A slot the live /consumers rank to us is claimed by creating its lock, which exists
// only once the previous holder released it (after committing what it had open) or its
// session expired. Its latest holder, unless still registered with the same epoch, is
// then fenced, and the others' commit manifests are read, before we write the slot
// (ConsumerApp does both on its store thread, then calls owned()). A slot ranked to
// another consumer is committed and released. On session expiry every slot is lost at
// once, for good: the process stops and restarts as a new instance.
//
// Threading: on_members/on_pass on the membership thread; writable/wanted/owned/
// released from the store thread; lose_all from either. One mutex.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/zk/member.h"
#include "common/zk/slot_map.h"
#include "common/zk/zk_client.h"

namespace ferry::consumer {

class SlotOwnership {
 public:
  struct Actions {
    std::vector<std::string> fence;  // fence tags of dead holders to fence first
    std::vector<uint32_t> acquire;   // locks taken: seed, then owned()
    std::vector<uint32_t> release;   // commit everything, then released()
    bool empty() const { return fence.empty() && acquire.empty() && release.empty(); }
  };
  using ActFn = std::function<void(Actions)>;

  SlotOwnership(std::string id, uint64_t epoch, ActFn act);

  static std::string fence_tag(const std::string& id, uint64_t epoch) {
    return id + "-" + std::to_string(epoch);
  }
  const std::string& tag() const { return tag_; }

  // Membership thread.
  void on_members(const std::vector<zk::Member>& members);
  bool on_pass(zk::ZkClient& zk);

  // Store thread.
  bool writable(uint32_t slot) const;
  // Ours, or about to be: a batch for it waits rather than being dropped.
  bool wanted(uint32_t slot) const;
  void owned(const std::vector<uint32_t>& slots);
  void released(const std::vector<uint32_t>& slots);
  void lose_all();
  size_t owned_count() const;

 private:
  enum class State : uint8_t { kNone, kAcquiring, kOwned, kReleasing, kReleased };
  bool desired(uint32_t slot) const;  // under mu_
  // Whether the instance a fence tag names is still registered (same id and epoch).
  // False also when ZooKeeper cannot tell (error).
  Result<bool> live(zk::ZkClient& zk, const std::string& tag);

  const std::string id_;
  const uint64_t epoch_;
  const std::string tag_;
  ActFn act_;
  mutable std::mutex mu_;
  zk::SlotMap map_;
  bool listed_ = false;  // our own node is in the latest list
  bool lost_ = false;
  bool paths_made_ = false;
  bool list_changed_ = false;  // act_ runs after a new list even with nothing to do
  std::vector<State> state_;
};

}  // namespace ferry::consumer
