#pragma once
// The consumer process: accepts brokers, writes their batches into hourly buckets
// exactly once, acks COMMITTED only after the commit, tracks hour completeness and
// writes _SUCCESS, serves the global dashboard APIs.
//
// Threading: the io thread runs connections and HTTP. The store, the hour tracker and
// the sink belong to one worker thread (`worker_`): every call that may fsync runs
// there, in order. Results come back to the io thread by post.

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/app/hangup_handler.h"
#include "common/base/clock.h"
#include "common/batch/batch_check.h"
#include "common/crypto/key_ring.h"
#include "common/http/http_server.h"
#include "common/metrics/registry.h"
#include "common/net/asio.h"
#include "common/net/frame_connection.h"
#include "common/net/live_sessions.h"
#include "common/net/tls_server.h"
#include "common/status/dc_totals.h"
#include "common/status/host_table.h"
#include "common/storage/quarantine.h"
#include "common/storage/rocks_store.h"
#include "common/zk/membership.h"
#include "consumer/broker_session_deps.h"
#include "consumer/consumer_config.h"
#include "consumer/kafka/kafka_server.h"
#include "consumer/kafka/kafka_service.h"
#include "consumer/live/live_feed.h"
#include "consumer/live/live_log.h"
#include "consumer/pending_adds.h"
#include "consumer/replay/replay_manager.h"
#include "consumer/slot_ownership.h"
#include "consumer/store/bucket_store.h"
#include "consumer/store/hour_tracker.h"
#include "consumer/store/sink.h"
#include "consumer/store/tier_hours.h"

namespace ferry::consumer {

class ConsumerApp {
 public:
  explicit ConsumerApp(ConsumerConfig config, const Clock& clock = SystemClock::instance());
  ~ConsumerApp();

  // SIGHUP: set up by main before start() (the config file to re-read).
  app::HangupHandler& hangup() { return hangup_; }
  // Opens the manifest, recovers unfinished files, binds listeners. Throws
  // std::runtime_error with an operator-facing message on failure.
  void start();
  int run();
  void stop();
  // After run(): its ZooKeeper session expired, so it must start again as a new instance
  // (a successor may have fenced this one); main executes the binary again.
  bool restart_in_place() const { return restart_in_place_; }

  uint16_t broker_port() const;
  uint16_t http_port() const;

  const ConsumerConfig& config() const { return config_; }

 private:
  // What broker sessions use (io thread): built once, at start.
  BrokerSessionDeps broker_session_deps();
  TimeMs now_ms() const { return clock_.now_ms(); }
  // Hands a verified batch, received from a broker of `dc`, to the store. `conn` is acked
  // COMMITTED once the batch's file is committed (or at once if it already was).
  void add_batch(wire::BatchFrame batch, const std::string& dc,
                 std::weak_ptr<net::FrameConnection> conn,
                 std::shared_ptr<PendingAdds> pending_adds);
  void add_watermark(const wire::Watermark& w);
  // Opens a sealed batch in place with the sealing keys (DESIGN §10), then runs the
  // checks; on failure `why` says what was wrong (the batch may be opened or not).
  std::error_code open_and_check(wire::BatchFrame& batch, std::string& why);
  // {} for an unsealed batch. On failure the batch is unchanged.
  std::error_code open_sealed(wire::BatchFrame& batch, std::string& why) const;
  // Keeps a batch that failed the checks in the quarantine and commits its marker
  // (batch/quarantine_marker.h) in its place; `conn` is acked COMMITTED as for any batch.
  void refuse_batch(std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame batch,
                    wire::Errc code, std::string why, const std::string& dc,
                    std::shared_ptr<PendingAdds> pending_adds);
  // The store thread's half of add_batch: writes the batch if its slot is ours, else
  // keeps it (parked_) until the slot is ours.
  void add_on_worker(std::shared_ptr<wire::BatchFrame> frame, std::string dc,
                     std::weak_ptr<net::FrameConnection> conn,
                     std::shared_ptr<PendingAdds> pending_adds);
  // Registers in /consumers (a new `epoch` at every start) and claims slots.
  void start_membership(uint64_t epoch);
  // Store thread: fence, seed and release as SlotOwnership asks.
  void apply_slot_actions(SlotOwnership::Actions actions);
  // Store thread: writes the parked batches whose slot is ours now. One whose slot has
  // been another's for kParkedGraceMs is the broker's mistake (its view of /consumers is
  // behind ours, or was ahead and it has moved on): its connection is closed, so that
  // the broker resends by its current view.
  void sweep_parked();
  void schedule_commit();
  void commit_on_worker();
  void route_committed(const std::vector<store::BatchId>& ids);
  // Live batches are acked COMMITTED; replayed ones REPLAY_COMMITTED, per replay id.
  static void send_committed(net::FrameConnection& conn, std::vector<store::BatchId> ids);
  void setup_http();
  // With [subscribe] (consumer_app_live.cc): opens the live log and its feed, then the
  // Kafka listener on a thread of its own, so subscribers never hold the io thread.
  void open_live_log();
  void start_kafka_listener();
  void stop_kafka_listener();
  // /api/subscribers and the live log's /metrics (docs/subscribe.md, "Watching it").
  void setup_live_http();
  nlohmann::json live_json() const;
  // POST /api/hosts/forget?host=H: the tracker forgets H on the worker while the io
  // thread serves others; then the host table does.
  asio::awaitable<http::Response> forget_host(http::Request req);
  asio::awaitable<std::error_code> forget_host_on_worker(std::string host);
  void fail_store(const std::error_code& ec);

  ConsumerConfig config_;
  const Clock& clock_;
  asio::io_context io_{1};
  asio::signal_set signals_{io_, SIGINT, SIGTERM};
  app::HangupHandler hangup_{io_};
  asio::thread_pool worker_{1};
  std::shared_ptr<tls::ContextSource> tls_server_;  // reloaded on SIGHUP
  std::unique_ptr<storage::RocksStore> db_;
  std::unique_ptr<store::Sink> sink_;
  std::unique_ptr<store::HourTracker> tracker_;
  std::unique_ptr<store::BucketStore> store_;
  std::unique_ptr<replay::ReplayManager> replays_;
  // With [subscribe]: the live log, fed on the worker, read by the Kafka listener.
  std::unique_ptr<live::LiveLog> live_log_;
  std::unique_ptr<live::LiveFeed> live_feed_;
  asio::io_context kafka_io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> kafka_work_{
      kafka_io_.get_executor()};
  std::unique_ptr<kafka::KafkaService> kafka_service_;
  std::unique_ptr<kafka::KafkaServer> kafka_server_;
  std::thread kafka_thread_;
  std::vector<metrics::LabelValues> subscriber_lag_series_;  // /metrics collector only
  std::unique_ptr<storage::Quarantine> quarantine_;
  batch::BatchChecker checker_;
  std::shared_ptr<crypto::KeyStore> keys_;  // null without [seal]
  net::LiveSessions brokers_live_;
  std::unique_ptr<BrokerSessionDeps> session_deps_;  // outlives every broker session
  std::unique_ptr<net::TlsServer> broker_server_;
  status::HostTable hosts_;
  metrics::Registry metrics_;
  status::DcTotals dc_totals_{{}, &metrics_};
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<zk::Membership> membership_;  // with [zookeeper]: brokers find us there
  std::unique_ptr<SlotOwnership> slots_;        // with [zookeeper]: the slots we write
  std::unique_ptr<store::TierHours>
      tier_hours_;  // with [zookeeper]: hour completeness with the tier
  // Batches of slots being claimed, until they are ours (store thread only).
  struct Parked {
    std::shared_ptr<wire::BatchFrame> frame;
    std::string dc;
    std::weak_ptr<net::FrameConnection> conn;
    std::shared_ptr<PendingAdds> pending_adds;
    TimeMs since = 0;
  };
  TimeMs last_sweep_ms_ = 0;  // store thread
  std::map<uint32_t, std::vector<Parked>> parked_;
  std::atomic<uint64_t> not_owned_batches_{0};
  asio::steady_timer commit_timer_{io_};
  // Who waits for which batch: batch_id_key -> broker connections (io thread only).
  struct Waiting {
    std::vector<std::weak_ptr<net::FrameConnection>> conns;
    TimeMs newest_event_ms = 0;  // for the delivery latency histogram
    std::string dc;              // for the per-DC totals
    uint32_t events = 0;
  };
  std::map<std::string, Waiting> waiters_;
  uint64_t received_batches_ = 0, committed_batches_ = 0, duplicate_batches_ = 0;
  // Snapshot of the hour tracker for /api/hours, refreshed by the worker.
  mutable std::mutex hours_mu_;
  nlohmann::json hours_json_ = nlohmann::json::object();
  TimeMs last_evaluate_ms_ = 0;
  TimeMs last_compact_ms_ = 0;
  TimeMs last_trim_ms_ = 0;
  bool store_failed_ = false;
  bool restart_in_place_ = false;  // session expired: stop, then start again as a new instance
  bool stopping_ = false;
  bool commit_running_ = false;
};

}  // namespace ferry::consumer
