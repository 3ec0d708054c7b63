#pragma once
// The broker process: agent listener, RocksDB store with group commit, forwarder to the
// consumer tier, DELIVERED relay, retention expiry, dashboard and APIs.
//
// Threading: one io thread runs every connection, the forwarder and the HTTP server;
// the store's group-commit writer is its own thread and posts completions back.
// Shutdown (SIGTERM): stop accepting, wait a bounded time for batches awaiting the
// group commit to be answered, close everything, exit 0.

#include <atomic>
#include <memory>
#include <string>

#include "broker/ack_relay.h"
#include "broker/agent_session_deps.h"
#include "broker/broker_config.h"
#include "broker/forwarder.h"
#include "broker/store/batch_store.h"
#include "broker/store/group_committer.h"
#include "common/app/hangup_handler.h"
#include "common/base/clock.h"
#include "common/batch/batch_check.h"
#include "common/http/http_server.h"
#include "common/metrics/registry.h"
#include "common/net/asio.h"
#include "common/net/live_sessions.h"
#include "common/net/tls_server.h"
#include "common/status/dc_totals.h"
#include "common/status/host_table.h"
#include "common/storage/quarantine.h"
#include "common/zk/membership.h"

namespace ferry::broker {

class BrokerApp {
 public:
  explicit BrokerApp(BrokerConfig config, const Clock& clock = SystemClock::instance());
  ~BrokerApp();

  // SIGHUP: set up by main before start() (the config file to re-read).
  app::HangupHandler& hangup() { return hangup_; }
  // Opens the store and binds the listeners. Throws std::runtime_error with an
  // operator-facing message (what failed, what to do) on failure.
  void start();
  // Runs until SIGTERM/SIGINT or stop(); returns the process exit code.
  int run();
  void stop();

  uint16_t agent_port() const;
  uint16_t http_port() const;

  // For sessions and the forwarder (io thread).
  const BrokerConfig& config() const { return config_; }
  store::BatchStore& store() { return *store_; }
  store::GroupCommitter& committer() { return *committer_; }
  // Blocking store work (mark_committed, expiry) runs here, never on the io thread.
  asio::thread_pool& store_pool() { return store_pool_; }
  AckRelay& relay() { return relay_; }
  status::HostTable& hosts() { return hosts_; }
  Forwarder& forwarder() { return *forwarder_; }
  asio::any_io_executor executor() { return io_.get_executor(); }
  tls::ContextSource& tls_client() { return *tls_client_; }
  TimeMs now_ms() const { return clock_.now_ms(); }

  void on_stored(const wire::AckRange& range, store::SubmitOutcome outcome);
  void on_committed(const std::vector<wire::AckRange>& moved);
  // Checks batches before they are stored (io thread only).
  batch::BatchChecker& checker() { return checker_; }
  // One live connection per agent host (io thread only).
  net::LiveSessions& agents_live() { return agents_live_; }
  // Keeps a batch that failed the checks in the quarantine, stores its marker
  // (batch/quarantine_marker.h) in its place, then answers REFUSED on `conn`.
  void refuse_batch(std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame batch,
                    wire::Errc code, std::string why);
  void metrics_batch_received(size_t bytes);
  void metrics_agent_connected(int delta);

 private:
  // Stores the marker that takes a refused batch's place, then answers REFUSED.
  void store_marker(std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame marker,
                    wire::Refusal refusal);
  // What the forwarder's links use of the broker.
  ConsumerLinkDeps consumer_link_deps();
  AgentSessionDeps agent_session_deps();
  void setup_http();
  void schedule_housekeeping();
  // Once a second: the DC's in/out counts from the store's flow totals, and the broker's
  // backlog, kept here and forwarded as its self-status.
  void sample_flow();
  nlohmann::json summary_json();

  BrokerConfig config_;
  const Clock& clock_;
  asio::io_context io_{1};
  asio::signal_set signals_{io_, SIGINT, SIGTERM};
  app::HangupHandler hangup_{io_};
  std::shared_ptr<tls::ContextSource> tls_server_;  // both reloaded on SIGHUP
  std::shared_ptr<tls::ContextSource> tls_client_;
  std::unique_ptr<store::BatchStore> store_;
  std::unique_ptr<IngestGate> ingest_gate_;  // outlives the committer that reopens it
  std::unique_ptr<store::GroupCommitter> committer_;
  std::unique_ptr<storage::Quarantine> quarantine_;
  batch::BatchChecker checker_;
  net::LiveSessions agents_live_;
  asio::thread_pool store_pool_{1};
  AckRelay relay_;
  status::HostTable hosts_;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<AgentSessionDeps> agent_session_deps_;  // outlives every agent session
  std::unique_ptr<net::TlsServer> agent_server_;
  metrics::Registry metrics_;
  status::DcTotals dc_totals_{{}, &metrics_};
  store::FlowTotals last_flow_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<zk::Membership> membership_;  // with [zookeeper]: agents find us there
  asio::steady_timer housekeeping_{io_};
  bool stopping_ = false;
};

}  // namespace ferry::broker
