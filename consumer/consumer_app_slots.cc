// ConsumerApp in a ZooKeeper-coordinated tier: registration, and the slots it writes
// (slot_ownership.h) as the store thread applies them.
#include "consumer/consumer_app.h"

#include <spdlog/spdlog.h>

namespace ferry::consumer {

void ConsumerApp::start_membership(uint64_t epoch) {
  zk::MembershipOptions o;
  o.zk = config_.zookeeper;
  o.self_path = "/consumers/" + config_.node_id;
  o.self = zk::Member{config_.node_id, "", config_.advertise, config_.http_listen, 0, epoch};
  o.watch_path = "/consumers";
  o.on_pass = [this](zk::ZkClient& zk) { return slots_->on_pass(zk); };
  o.register_after_expiry = false;  // a successor may have fenced us: restart as a new instance
  o.on_expired = [this] {
    spdlog::error(
        "zookeeper session expired: another consumer may have fenced this instance and taken its "
        "slots; stopping, to start again as a new instance");
    slots_->lose_all();
    asio::post(io_, [this] {
      restart_in_place_ = true;
      store_failed_ = true;  // no final commit: a successor may own our slots now
      stop();
    });
  };
  membership_ = std::make_unique<zk::Membership>(
      std::move(o), [this](std::vector<zk::Member> members) { slots_->on_members(members); });
  membership_->start();
}

void ConsumerApp::apply_slot_actions(SlotOwnership::Actions actions) {
  for (const auto& tag : actions.fence) {
    if (auto r = store_->fence(tag); !r) {
      asio::post(io_, [this, ec = r.error()] { fail_store(ec); });
      return;
    }
  }
  if (!actions.acquire.empty()) {
    // Every holder before us has released or is fenced: what it committed is final.
    auto learnt = store_->seed_from_shared_commits();
    if (!learnt) {
      asio::post(io_, [this, ec = learnt.error()] { fail_store(ec); });
      return;
    }
    if (learnt.value() > 0)
      spdlog::info("slots: learnt {} batches committed by other consumers", learnt.value());
    slots_->owned(actions.acquire);
  }
  if (!actions.release.empty()) {
    // Nothing of these slots is written after this: commit what is open, then let go.
    auto committed = store_->commit_all();
    if (!committed) {
      asio::post(io_, [this, ec = committed.error()] { fail_store(ec); });
      return;
    }
    asio::post(io_, [this, ids = std::move(committed).value()] { route_committed(ids); });
    // What we committed of them counts for their hours before their next writer starts.
    if (auto published = tier_hours_->publish(now_ms()); !published) {
      spdlog::warn("publishing hour progress: {}", published.error().message());
    }
    slots_->released(actions.release);
    membership_->poke();
  }
  sweep_parked();
}

void ConsumerApp::sweep_parked() {
  constexpr TimeMs kParkedGraceMs = 10'000;
  const TimeMs now = now_ms();
  last_sweep_ms_ = now;
  auto parked = std::move(parked_);
  parked_.clear();
  for (auto& [slot, list] : parked) {
    const bool writable = slots_->writable(slot), wanted = slots_->wanted(slot);
    for (auto& p : list) {
      if (writable) {
        add_on_worker(p.frame, p.dc, p.conn, p.pending_adds);
      } else if (wanted || now - p.since < kParkedGraceMs) {
        if (wanted) p.since = now;
        parked_[slot].push_back(std::move(p));
      } else {
        ++not_owned_batches_;
        asio::post(io_, [conn = p.conn, pending_adds = p.pending_adds, h = p.frame->header] {
          pending_adds->answered();
          if (auto c = conn.lock(); c && c->usable()) {
            spdlog::warn(
                "batch {}/{}/{}: its stream's slot is another consumer's; closing the link so that "
                "the "
                "broker resends by its current view of the consumers",
                h.host, h.category, h.seq);
            c->fail(wire::Errc::kOverloaded,
                    "stream " + h.host + "/" + h.category + " is another consumer's now");
          }
        });
      }
    }
  }
}

}  // namespace ferry::consumer
