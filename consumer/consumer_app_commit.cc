// ConsumerApp: the periodic commit on the store thread, and the acks it sends back.
#include "consumer/consumer_app.h"

#include <spdlog/spdlog.h>

namespace ferry::consumer {
namespace {

constexpr TimeMs kEvaluateEveryMs = 1000;
// Folding committed ids into per-stream floors is cheap; often enough that the index
// stays small, rarely enough that range tombstones stay few.
constexpr TimeMs kCompactIndexEveryMs = 10'000;
constexpr TimeMs kTrimLiveLogEveryMs = 5'000;

}  // namespace

void ConsumerApp::send_committed(net::FrameConnection& conn, std::vector<store::BatchId> ids) {
  std::map<uint64_t, std::vector<store::BatchId>> by_replay;
  for (auto& id : ids) by_replay[id.replay_id].push_back(std::move(id));
  for (auto& [replay_id, some] : by_replay) {
    if (replay_id == 0) {
      wire::Ack ack;
      ack.ranges = batch::to_ack_ranges(std::move(some));
      conn.send(wire::encode(wire::FrameType::kCommitted, ack));
    } else {
      conn.send(
          wire::encode(wire::ReplayCommitted{replay_id, batch::to_ack_ranges(std::move(some))}));
    }
  }
}

void ConsumerApp::schedule_commit() {
  commit_timer_.expires_after(config_.commit_interval);
  commit_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    if (const TimeMs now = now_ms(); dc_totals_.history_due(now))
      dc_totals_.record_history(hosts_.snapshot(now), now);
    if (!commit_running_ && !store_failed_) {
      commit_running_ = true;
      asio::post(worker_, [this] { commit_on_worker(); });
    }
    schedule_commit();
  });
}

void ConsumerApp::commit_on_worker() {
  TimeMs now = now_ms();
  if (slots_ && !parked_.empty() && now - last_sweep_ms_ >= 1000) sweep_parked();
  if (live_feed_) live_feed_->before_commit();
  auto committed = store_->commit_due(now);
  if (tier_hours_ && committed && !committed.value().empty() &&
      now - last_evaluate_ms_ < kEvaluateEveryMs) {
    // The counts of what we just committed reach the tier now, not at the next
    // evaluation: a SIGKILL in between would leave them out of the hour's _SUCCESS.
    if (auto published = tier_hours_->publish(now); !published) {
      spdlog::warn("publishing hour progress: {}", published.error().message());
    }
  }
  if (now - last_evaluate_ms_ >= kEvaluateEveryMs) {
    last_evaluate_ms_ = now;
    // Hour completeness needs every stream's watermark. A consumer sharing the streams
    // with others sees only its own: the tier decides together (store/tier_hours.h).
    auto done = tier_hours_ ? tier_hours_->evaluate(now) : tracker_->evaluate(now);
    if (tier_hours_) {
      if (auto pruned = tracker_->prune_hours(now); !pruned) {
        spdlog::error("forgetting old hours' counts failed: {}", pruned.error().message());
      }
    }
    if (!done) {
      spdlog::error("hour completeness evaluation failed: {}", done.error().message());
    } else {
      for (const auto& h : done.value()) {
        spdlog::info("hour complete: {} {}", h.category, store::format_hour_iso(h.hour));
      }
    }
    if (live_feed_ && now - last_trim_ms_ >= kTrimLiveLogEveryMs) {
      last_trim_ms_ = now;
      live_feed_->trim(now);
    }
    if (now - last_compact_ms_ >= kCompactIndexEveryMs) {
      last_compact_ms_ = now;
      auto raised = store_->compact_committed_index();
      if (!raised)
        spdlog::error("compacting the committed-batch index failed: {}", raised.error().message());
      if (size_t dropped = store_->expire_idle_streams(now); dropped > 0) {
        spdlog::info("{} streams idle for {} s left memory (their records stay on disk)", dropped,
                     config_.hours.idle_stream_ms / 1000);
      }
    }
    auto snapshot = tracker_->snapshot(now);
    std::lock_guard lock(hours_mu_);
    hours_json_ = std::move(snapshot);
  }
  asio::post(io_, [this, committed = std::move(committed)] {
    commit_running_ = false;
    if (!committed) {
      fail_store(committed.error());
      return;
    }
    route_committed(committed.value());
  });
}

void ConsumerApp::route_committed(const std::vector<store::BatchId>& ids) {
  if (ids.empty()) return;
  metrics_.counter("ferry_consumer_committed_batches_total", "Batches committed to the store")
      .inc(ids.size());
  committed_batches_ += ids.size();
  auto& latency =
      metrics_.histogram("ferry_delivery_latency_seconds",
                         "Event time of a batch's newest event to its commit at the consumer",
                         {0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600});
  TimeMs now = now_ms();
  std::map<net::FrameConnection*,
           std::pair<std::shared_ptr<net::FrameConnection>, std::vector<store::BatchId>>>
      out;
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_dc;  // batches, events
  for (const auto& id : ids) {
    if (id.replay_id != 0) replays_->on_committed(id);
    auto it = waiters_.find(store::batch_id_key(id));
    if (it == waiters_.end()) continue;
    // Replayed events are old by design and counted by the replay, not as live flow.
    if (id.replay_id != 0) it->second.newest_event_ms = 0, it->second.dc.clear();
    if (it->second.newest_event_ms > 0)
      latency.observe(std::max<TimeMs>(0, now - it->second.newest_event_ms) / 1000.0);
    if (!it->second.dc.empty()) {
      auto& d = by_dc[it->second.dc];
      d.first += 1;
      d.second += it->second.events;
    }
    for (const auto& w : it->second.conns) {
      if (auto c = w.lock()) {
        auto& slot = out[c.get()];
        slot.first = c;
        slot.second.push_back(id);
      }
    }
    waiters_.erase(it);
  }
  for (auto& [ptr, slot] : out) send_committed(*slot.first, std::move(slot.second));
  for (const auto& [dc, d] : by_dc) dc_totals_.count_out(dc, d.first, d.second, now);
}

}  // namespace ferry::consumer
