#include "consumer/slot_ownership.h"

#include <algorithm>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

namespace ferry::consumer {
namespace {

std::string slot_path(uint32_t slot) { return "/slots/" + std::to_string(slot); }
std::string lock_path(uint32_t slot) { return slot_path(slot) + "/lock"; }

}  // namespace

SlotOwnership::SlotOwnership(std::string id, uint64_t epoch, ActFn act)
    : id_(std::move(id)),
      epoch_(epoch),
      tag_(fence_tag(id_, epoch_)),
      act_(std::move(act)),
      state_(zk::kSlots, State::kNone) {}

void SlotOwnership::on_members(const std::vector<zk::Member>& members) {
  std::vector<std::string> ids;
  bool listed = false;
  for (const auto& m : members) {
    ids.push_back(m.id);
    listed = listed || (m.id == id_ && m.epoch == epoch_);
  }
  std::lock_guard lock(mu_);
  map_ = zk::SlotMap(std::move(ids));
  listed_ = listed;
  list_changed_ = true;
}

bool SlotOwnership::desired(uint32_t slot) const {
  return !lost_ && listed_ && map_.owner(slot) == id_;
}

bool SlotOwnership::writable(uint32_t slot) const {
  std::lock_guard lock(mu_);
  return !lost_ && state_[slot % zk::kSlots] == State::kOwned;
}

bool SlotOwnership::wanted(uint32_t slot) const {
  std::lock_guard lock(mu_);
  const State s = state_[slot % zk::kSlots];
  return desired(slot % zk::kSlots) &&
         (s == State::kNone || s == State::kAcquiring || s == State::kOwned);
}

void SlotOwnership::owned(const std::vector<uint32_t>& slots) {
  std::lock_guard lock(mu_);
  for (uint32_t s : slots) {
    if (state_[s] == State::kAcquiring) state_[s] = State::kOwned;
  }
}

void SlotOwnership::released(const std::vector<uint32_t>& slots) {
  std::lock_guard lock(mu_);
  for (uint32_t s : slots) {
    if (state_[s] == State::kReleasing) state_[s] = State::kReleased;
  }
}

void SlotOwnership::lose_all() {
  std::lock_guard lock(mu_);
  lost_ = true;
  std::fill(state_.begin(), state_.end(), State::kNone);
}

size_t SlotOwnership::owned_count() const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(std::count(state_.begin(), state_.end(), State::kOwned));
}

Result<bool> SlotOwnership::live(zk::ZkClient& zk, const std::string& tag) {
  const size_t dash = tag.rfind('-');
  if (dash == std::string::npos) return false;
  BOOST_OUTCOME_TRY(data, zk.get("/consumers/" + tag.substr(0, dash)));
  if (!data) return false;
  auto m = zk::decode_member(*data);
  return m && fence_tag(m->id, m->epoch) == tag;
}

bool SlotOwnership::on_pass(zk::ZkClient& zk) {
  if (!paths_made_) {
    if (!zk.ensure_path("/slots")) return false;
    paths_made_ = true;
  }
  std::vector<uint32_t> to_claim, to_unlock;
  Actions actions;
  bool list_changed = false;
  {
    std::lock_guard lock(mu_);
    if (lost_) return true;
    list_changed = std::exchange(list_changed_, false);
    for (uint32_t s = 0; s < zk::kSlots; ++s) {
      const bool want = desired(s);
      if (want && state_[s] == State::kNone) to_claim.push_back(s);
      if (!want && state_[s] == State::kOwned) {
        // From here the store thread writes nothing more of it.
        state_[s] = State::kReleasing;
        actions.release.push_back(s);
      }
      if (state_[s] == State::kReleased) to_unlock.push_back(s);
    }
  }
  bool ok = true;
  std::set<std::string> fence;
  for (uint32_t s : to_claim) {
    auto made = zk.ensure_path(slot_path(s));
    auto got = made ? zk.create_exclusive(lock_path(s), tag_) : Result<bool>(made.error());
    if (!got) {
      ok = false;
      break;
    }
    if (!got.value()) {
      // Held. By an earlier instance of ours (restarted within its session): it is dead,
      // take the lock over. By another: wait for it to go (the watch wakes us).
      auto holder = zk.get(lock_path(s));
      if (holder && holder.value() && *holder.value() != tag_ &&
          holder.value()->rfind(id_ + "-", 0) == 0 &&
          holder.value()->find('-', id_.size() + 1) == std::string::npos) {
        spdlog::info("slot {}: lock left by our earlier instance {}; taking it over", s,
                     *holder.value());
        (void)zk.remove(lock_path(s));
        ok = false;  // claim it on the next pass
      } else {
        (void)zk.exists(lock_path(s), /*watch=*/true);
      }
      continue;
    }
    auto previous = zk.get(slot_path(s));
    const std::string holder = previous ? previous.value().value_or("") : "";
    auto alive = holder.empty() || holder == tag_ ? Result<bool>(true) : live(zk, holder);
    auto set = previous && alive ? zk.set(slot_path(s), tag_)
                                 : Result<void>(std::error_code(ENOTCONN, std::generic_category()));
    if (!set) {
      (void)zk.remove(lock_path(s));
      ok = false;
      break;
    }
    if (!alive.value()) fence.insert(holder);
    actions.acquire.push_back(s);
    std::lock_guard lock(mu_);
    state_[s] = State::kAcquiring;
  }
  for (uint32_t s : to_unlock) {
    if (!zk.remove(lock_path(s))) {
      ok = false;
      break;
    }
    std::lock_guard lock(mu_);
    if (state_[s] == State::kReleased) state_[s] = State::kNone;
  }
  actions.fence.assign(fence.begin(), fence.end());
  if (!actions.acquire.empty() || !actions.release.empty()) {
    spdlog::info("slots: claimed {}, releasing {} (fencing {} dead instance(s))",
                 actions.acquire.size(), actions.release.size(), actions.fence.size());
  }
  // Also after a new list with nothing to do: batches waiting for a slot that is no
  // longer ours are let go.
  if (!actions.empty() || list_changed) act_(std::move(actions));
  return ok;
}

}  // namespace ferry::consumer
