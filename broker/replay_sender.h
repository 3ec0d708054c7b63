#pragma once
// Re-sends retained batches for the replays a consumer asked for on one link (DESIGN §7).
//
// Owned by a ConsumerLink and run on the broker's io thread. The consumer sends REPLAY
// (start or cancel) on the link; a job is loaded from the store if the broker knew it
// (a restart, a reconnect) or created. pump() sends the job's batches in key order, each
// with the replay id in its header (sealed payloads go unchanged: the replay id is not
// in the seal's associated data), paced by a token bucket (bytes per second) and with at
// most `window_bytes` sent and not yet REPLAY_COMMITTED. The link calls pump() only when
// live forwarding has nothing waiting on the socket, so live batches go first.
//
// Done means: the scan reached the end of the range and every batch sent was acked;
// the job then reports kDone in REPLAY_PROGRESS. Progress is reported every flush and
// at every state change. The committed cursor is persisted (store pool) as it moves, so
// a SIGKILL costs resends that the consumer deduplicates, never a gap.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/replay_job.h"
#include "broker/store/batch_store.h"
#include "common/net/asio.h"
#include "common/net/frame_connection.h"
#include "common/wire/replay_messages.h"

namespace ferry::broker {

class ReplaySender {
 public:
  // What a replay reads and writes (owned by the broker, outliving every link).
  struct Deps {
    store::BatchStore& store;       // retained batches, and each job's durable state
    asio::thread_pool& store_pool;  // the synced writes, off the io thread
    std::string node_id;            // names this broker in "retention dropped them"
    uint64_t default_rate_bytes;    // per second, for a request that names no rate
    uint64_t window_bytes;          // per replay, sent and not yet REPLAY_COMMITTED
  };

  explicit ReplaySender(Deps deps) : deps_(std::move(deps)) {}

  // A REPLAY frame from the consumer on this link.
  void on_request(const wire::ReplayRequest& req, net::FrameConnection& conn);
  // REPLAY_COMMITTED: moves the committed cursor (and persists it).
  void on_committed(const wire::ReplayCommitted& ack);
  // The link reconnected: whatever was in flight is sent again from the committed cursor.
  void reset();
  // Sends what the window and the rate allow. nullopt: nothing to send until an ack or
  // a request; else how long until the rate allows more (zero: more now).
  std::optional<std::chrono::milliseconds> pump(net::FrameConnection& conn);
  // REPLAY_PROGRESS for the jobs that changed since the last flush.
  void flush_progress(net::FrameConnection& conn);

  size_t running() const;
  nlohmann::json to_json() const;

 private:
  struct Sent {
    uint32_t bytes = 0;
    uint32_t events = 0;
    std::string host;
    std::string category;
    bool committed = false;
  };
  struct Job {
    ReplayJobState durable;
    std::string send_cursor;
    bool scan_done = false;
    std::map<std::string, Sent> inflight;  // by batch key, in key order
    uint64_t inflight_bytes = 0;
    uint64_t sent_batches = 0;  // this process, resends included
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled;
    bool changed = true;  // progress to report
    bool persist_due = false;
    std::chrono::steady_clock::time_point last_persist;
  };

  Job& job_for(const wire::ReplayRequest& req);
  std::vector<wire::ReplayMissing> missing_at_start(const wire::ReplayRequest& req) const;
  bool matches(const Job& job, const wire::BatchFrame& b) const;
  uint64_t rate_of(const Job& job) const;
  void finish_if_done(Job& job);
  void persist(Job& job);
  wire::ReplayProgress progress_of(const Job& job) const;

  Deps deps_;
  std::map<uint64_t, std::unique_ptr<Job>> jobs_;
  std::set<uint64_t> report_now_;
};

}  // namespace ferry::broker
