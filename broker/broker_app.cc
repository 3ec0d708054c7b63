#include "broker/broker_app.h"

#include <spdlog/spdlog.h>

#include "common/app/service_notify.h"
#include "common/net/quarantine_refusal.h"
#include "common/net/socket_tuning.h"

#include "broker/agent_session.h"
#include "broker/self_status.h"
#include "broker/store/batch_id.h"
#include "common/dashboard/dashboard.h"
#include "common/net/endpoint.h"
#include "common/storage/file_modes.h"
#include "common/tls/context_source.h"

namespace ferry::broker {
namespace {

constexpr auto kHousekeepingInterval = std::chrono::seconds(1);
constexpr auto kDrainTimeout = std::chrono::seconds(10);

}  // namespace

BrokerApp::BrokerApp(BrokerConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

BrokerApp::~BrokerApp() {
  if (committer_) committer_->stop();
  store_pool_.join();
}

void BrokerApp::start() {
  auto server_ctx = tls::ContextSource::load(tls::ContextSource::Side::kServer, config_.tls);
  if (!server_ctx) throw std::runtime_error("TLS: " + server_ctx.error().text);
  tls_server_ = server_ctx.value();
  auto client_ctx = tls::ContextSource::load(tls::ContextSource::Side::kClient, config_.tls);
  if (!client_ctx) throw std::runtime_error("TLS: " + client_ctx.error().text);
  tls_client_ = client_ctx.value();
  hangup_.reload_on_hangup("TLS server context (agents)", tls_server_);
  hangup_.reload_on_hangup("TLS client context (consumer)", tls_client_);

  // RocksDB creates its own files (0644): the umask keeps them within [store] file_mode.
  storage::narrow_umask(config_.store_modes);
  if (std::error_code ec = storage::create_dirs(config_.data_dir, config_.store_modes.dir)) {
    throw std::runtime_error("cannot create data_dir " + config_.data_dir + ": " + ec.message());
  }
  store::BatchStoreOptions so;
  so.path = config_.data_dir + "/db";
  so.dir_mode = config_.store_modes.dir;
  so.retention_ms = config_.retention.count();
  so.retention_bytes = config_.retention_bytes;
  so.disk_budget_bytes = config_.disk_budget_bytes;
  so.min_free_bytes = config_.min_free_bytes;
  std::string why;
  auto opened = store::BatchStore::open(so, why);
  if (!opened) throw std::runtime_error("cannot open the batch store at " + so.path + ": " + why);
  store_ = std::move(opened).value();
  ingest_gate_ = std::make_unique<IngestGate>(io_.get_executor(), [this] {
    return store_->over_budget() || committer_->over_high_watermark();
  });
  committer_ = std::make_unique<store::GroupCommitter>(*store_, store::GroupCommitterOptions{},
                                                       [this](bool over_high) {
                                                         if (!over_high) ingest_gate_->reopened();
                                                       });
  auto quarantine =
      storage::Quarantine::open(config_.data_dir + "/quarantine", {}, config_.store_modes);
  if (!quarantine) {
    throw std::runtime_error("cannot open the quarantine at " + config_.data_dir +
                             "/quarantine: " + quarantine.error().message());
  }
  quarantine_ = std::move(quarantine).value();
  auto totals = store_->totals();
  spdlog::info("store {} opened: {} pending batches ({} bytes), {} retained", so.path,
               totals.pending_batches, totals.pending_bytes, totals.retained_batches);

  forwarder_ = std::make_unique<Forwarder>(consumer_link_deps(), config_.consumers);
  agent_server_ = std::make_unique<net::TlsServer>(io_.get_executor(), tls_server_,
                                                   config_.agent_tuning, config_.max_frame_bytes,
                                                   "agent listener", config_.agent_limits);
  auto hp = net::parse_host_port(config_.listen);
  if (!hp) throw std::runtime_error("listen: not host:port: " + config_.listen);
  if (auto ec = agent_server_->listen(hp->host, hp->port)) {
    throw std::runtime_error("cannot listen on " + config_.listen + ": " + ec.message());
  }
  setup_http();

  agent_session_deps_ = std::make_unique<AgentSessionDeps>(agent_session_deps());
  agent_server_->start([this](std::shared_ptr<net::FrameConnection> conn) {
    return run_agent_session(*agent_session_deps_, std::move(conn));
  });
  forwarder_->start();
  hangup_.start();
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (!ec) {
      spdlog::info("signal {}: draining", sig);
      stop();
    }
  });
  schedule_housekeeping();
  if (config_.zookeeper.enabled()) {  // only now: listening, and the store recovered
    // Registers for the agents, and follows the consumers: streams go to their slots'
    // owners (broker/forwarder.h, consumer_link.h).
    zk::MembershipOptions o;
    o.zk = config_.zookeeper;
    o.self_path = "/brokers/" + config_.dc + "/" + config_.node_id;
    o.self = zk::Member{config_.node_id, config_.dc, config_.advertise, config_.http_listen, 0};
    o.watch_path = "/consumers";
    membership_ =
        std::make_unique<zk::Membership>(std::move(o), [this](std::vector<zk::Member> consumers) {
          asio::post(io_, [this, consumers = std::move(consumers)] {
            if (!stopping_) forwarder_->set_consumers(consumers);
          });
        });
    membership_->start();
  }
  spdlog::info("broker {} (dc {}) listening for agents on {}:{}, http on {}", config_.node_id,
               config_.dc, hp->host, agent_server_->port(), http_port());
}

int BrokerApp::run() {
  io_.run();
  return 0;
}

void BrokerApp::stop() {
  if (stopping_) return;
  stopping_ = true;
  app::notify_service("STOPPING=1");
  if (membership_) membership_->stop();  // agents fail over to another broker at once
  agent_server_->stop_accepting();
  // Batches handed to the group commit are answered before we go: the committer
  // finishes its queue on stop(). Then the network closes.
  auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
  while (committer_->queued_bytes() > 0 && std::chrono::steady_clock::now() < deadline) {
    io_.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  committer_->stop();
  io_.poll();  // deliver the last acks
  forwarder_->stop();
  if (http_) http_->stop();
  housekeeping_.cancel();
  signals_.cancel();
  hangup_.stop();
  io_.stop();
}

uint16_t BrokerApp::agent_port() const { return agent_server_ ? agent_server_->port() : 0; }
uint16_t BrokerApp::http_port() const { return http_ ? http_->port() : 0; }

void BrokerApp::on_stored(const wire::AckRange& range, store::SubmitOutcome outcome) {
  if (outcome == store::SubmitOutcome::kStored) forwarder_->notify_stored();
}

void BrokerApp::on_committed(const std::vector<wire::AckRange>& moved) {
  relay_.relay_delivered(moved);
  metrics_
      .counter("ferry_broker_delivered_batches_total",
               "Batches committed by the consumer and relayed as DELIVERED")
      .inc(moved.size());
}

void BrokerApp::refuse_batch(std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame batch,
                             wire::Errc code, std::string why) {
  net::QuarantineRefusal how{*quarantine_, store_pool_.get_executor(), io_.get_executor(),
                             config_.node_id,
                             [this, conn](wire::BatchFrame marker, const wire::Refusal& refusal) {
                               store_marker(conn, std::move(marker), refusal);
                             }};
  net::quarantine_then_refuse(how, std::move(conn), std::move(batch), code, std::move(why),
                              now_ms());
}

void BrokerApp::store_marker(std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame marker,
                             wire::Refusal refusal) {
  // REFUSED lets the agent drop the batch, so it goes out only once the marker holding
  // the batch's place is durable; until then a crash means a resend, refused again.
  const wire::AckRange range = refusal.batch;
  auto submitted = committer_->submit(std::move(marker), [this, conn, range,
                                                          refusal](Result<store::SubmitOutcome> r) {
    asio::post(io_, [this, conn, range, refusal, r] {
      auto c = conn.lock();
      if (!r) {
        spdlog::error("storing the quarantine marker of {}/{}/{} failed: {}", range.host,
                      range.category, range.first_seq, r.error().message());
        if (c) c->fail(wire::Errc::kInternal, "store write failed: " + r.error().message());
        return;
      }
      metrics_.counter("ferry_broker_refused_batches_total", "Batches refused for good from agents")
          .inc();
      on_stored(range, r.value());
      if (c) c->send(wire::encode(refusal));
    });
  });
  if (!submitted) {
    auto c = conn.lock();
    if (c)
      c->fail(wire::Errc::kOverloaded,
              "broker store queue refused a quarantine marker; resend later");
  }
}

void BrokerApp::metrics_batch_received(size_t bytes) {
  metrics_.counter("ferry_broker_received_batches_total", "Batches received from agents").inc();
  metrics_.counter("ferry_broker_received_bytes_total", "Payload bytes received from agents")
      .inc(bytes);
}

void BrokerApp::metrics_agent_connected(int delta) {
  metrics_.gauge("ferry_broker_agent_connections", "Open agent connections").add(delta);
}

void BrokerApp::schedule_housekeeping() {
  housekeeping_.expires_after(kHousekeepingInterval);
  housekeeping_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    sample_flow();
    // Disk usage sampling and retention expiry block on the filesystem: run them on the
    // store pool.
    asio::post(store_pool_, [this] {
      if (store_->out_of_space()) (void)store_->try_resume();  // fails while the disk is still full
      store_->disk_budget().refresh();
      ingest_gate_->reopened();  // the budget may have room again
      auto expired = store_->expire_retained(now_ms());
      if (!expired) spdlog::warn("retention expiry failed: {}", expired.error().message());
    });
    schedule_housekeeping();
  });
}

void BrokerApp::sample_flow() {
  TimeMs now = now_ms();
  auto flow = store_->flow();
  if (flow.stored_events > last_flow_.stored_events) {
    dc_totals_.count_in(config_.dc, flow.stored_events - last_flow_.stored_events, now);
  }
  if (flow.committed_batches > last_flow_.committed_batches) {
    dc_totals_.count_out(config_.dc, flow.committed_batches - last_flow_.committed_batches,
                         flow.committed_events - last_flow_.committed_events, now);
  }
  last_flow_ = flow;
  auto self = make_self_status(config_.node_id, store_->pending_by_category(), now);
  dc_totals_.set_broker_backlog(config_.dc, config_.node_id, self, now);
  forwarder_->forward_status(self, config_.dc);
  if (dc_totals_.history_due(now)) dc_totals_.record_history(hosts_.snapshot(now), now);
}

nlohmann::json BrokerApp::summary_json() {
  auto totals = store_->totals();
  auto stats = committer_->stats();
  auto oldest = store_->oldest_retained_ms();
  return {{"node_id", config_.node_id},
          {"dc", config_.dc},
          {"now_ms", now_ms()},
          {"pending_batches", totals.pending_batches},
          {"pending_bytes", totals.pending_bytes},
          {"retained_batches", totals.retained_batches},
          {"retained_bytes", totals.retained_bytes},
          {"disk_used_bytes", store_->disk_budget().used_bytes()},
          {"payload_segments", store_->payload_segments()},
          {"disk_budget_bytes", store_->disk_budget().budget_bytes()},
          {"disk_free_bytes", store_->disk_budget().free_bytes()},
          {"disk_min_free_bytes", store_->disk_budget().min_free_bytes()},
          {"ingest_paused", store_->over_budget()},
          {"group_commits", stats.groups},
          {"fsyncs", stats.syncs},
          {"stored_batches", stats.written},
          {"duplicate_batches", stats.duplicates},
          {"quarantined_batches", quarantine_->batches()},
          {"quarantine_dir", quarantine_->dir()},
          {"retention_ms", store_->retention_ms()},
          {"retention_bytes", store_->retention_bytes()},
          {"retained_since_ms", oldest ? oldest.value() : TimeMs{0}},
          {"expired_through_ms", store_->expired_through_ms()},
          {"replays", forwarder_->replays_json()},
          {"consumers", forwarder_->to_json()},
          {"congestion_refused", net::refused_congestion_controls()},
          {"dcs", dc_totals_.to_json(hosts_.snapshot(now_ms()), now_ms())}};
}

AgentSessionDeps BrokerApp::agent_session_deps() {
  return AgentSessionDeps{
      .node_id = config_.node_id,
      .dc = config_.dc,
      .max_categories_per_host = config_.max_categories_per_host,
      .max_pending_submits = config_.agent_max_pending_submits,
      .clock = clock_,
      .agents_live = agents_live_,
      .hosts = hosts_,
      .checker = checker_,
      .ingest = *ingest_gate_,
      .submit =
          [this](wire::BatchFrame b, store::GroupCommitter::Callback done) {
            return committer_->submit(std::move(b), std::move(done));
          },
      .on_stored = [this](const wire::AckRange& range,
                          store::SubmitOutcome outcome) { on_stored(range, outcome); },
      .refuse_batch =
          [this](std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame batch, wire::Errc code,
                 std::string why) {
            refuse_batch(std::move(conn), std::move(batch), code, std::move(why));
          },
      .batch_received = [this](size_t bytes) { metrics_batch_received(bytes); },
      .agent_connected = [this](int delta) { metrics_agent_connected(delta); },
      .attach_acks = [this](
                         const std::string& host,
                         std::shared_ptr<net::FrameConnection> conn) { relay_.attach(host, conn); },
      .detach_acks = [this](const std::string& host,
                            const net::FrameConnection* conn) { relay_.detach(host, conn); },
      .on_agent_connected =
          [this](const std::string& host) { forwarder_->on_agent_connected(host); },
      .forward_watermark = [this](const wire::Watermark& w) { forwarder_->forward_watermark(w); },
      .forward_status =
          [this](const wire::Status& s) { forwarder_->forward_status(s, config_.dc); },
      .on_replay_progress =
          [this](const std::string& host, const wire::ReplayProgress& p) {
            forwarder_->on_agent_replay_progress(host, p);
          },
      .relay_replayed_batch =
          [this](uint64_t replay_id, std::string frame) {
            return forwarder_->relay_replayed_batch(replay_id, frame);
          },
  };
}

ConsumerLinkDeps BrokerApp::consumer_link_deps() {
  return ConsumerLinkDeps{
      .executor = io_.get_executor(),
      .tls_client = *tls_client_,
      .store = *store_,
      .store_pool = store_pool_,
      .agents = relay_,
      .hosts = hosts_,
      .clock = clock_,
      .node_id = config_.node_id,
      .dc = config_.dc,
      .tuning = config_.consumer_tuning,
      .max_frame_bytes = config_.max_frame_bytes,
      .window_batches = config_.forward_window_batches,
      .window_bytes = config_.forward_window_bytes,
      .replay_rate_bytes = config_.replay_rate_bytes,
      .replay_window_bytes = config_.replay_window_bytes,
      .link_for = {},  // the Forwarder's
      .on_committed = [this](const std::vector<wire::AckRange>& moved) { on_committed(moved); },
  };
}

void BrokerApp::setup_http() {
  http_ = std::make_unique<http::HttpServer>(io_, config_.http, &metrics_);
  // Handlers run on the io thread, like everything that updates the state they read.
  http_->routes().get("/api/hosts", [this](const http::Request&) {
    return http::Response::json(hosts_.json_text(now_ms()));
  });
  http_->routes().get("/api/summary", [this](const http::Request&) {
    return http::Response::json(summary_json().dump());
  });
  dashboard::add_dashboard_routes(http_->routes(), config_.node_id + " (" + config_.dc + ")");
  metrics_.on_collect([this] {
    net::export_socket_gauges(metrics_);
    status::export_host_gauges(hosts_, metrics_, now_ms());
    dc_totals_.export_gauges(hosts_.snapshot(now_ms()), metrics_, now_ms());
    auto totals = store_->totals();
    metrics_.gauge("ferry_broker_pending_batches", "Batches stored and not yet committed")
        .set(totals.pending_batches);
    metrics_.gauge("ferry_broker_pending_bytes", "Payload bytes stored and not yet committed")
        .set(totals.pending_bytes);
    metrics_.gauge("ferry_broker_retained_batches", "Committed batches kept for replay")
        .set(totals.retained_batches);
    metrics_.gauge("ferry_broker_disk_used_bytes", "Bytes the store uses on disk")
        .set(store_->disk_budget().used_bytes());
    metrics_
        .gauge("ferry_broker_payload_segments",
               "Payload segment files on disk (each deleted with its last batch)")
        .set(static_cast<double>(store_->payload_segments()));
    metrics_.gauge("ferry_broker_ingest_paused", "1 while ingest is paused for disk")
        .set(store_->over_budget() ? 1 : 0);
    metrics_
        .gauge("ferry_broker_quarantined_batches",
               "Batches refused for good and kept in the quarantine")
        .set(static_cast<double>(quarantine_->batches()));
    metrics_
        .gauge("ferry_broker_disk_budget_bytes",
               "The store's disk budget ([store] disk_budget; 0: none)")
        .set(static_cast<double>(store_->disk_budget().budget_bytes()));
    auto stats = committer_->stats();
    metrics_.gauge("ferry_broker_fsyncs", "Group-commit syncs since start").set(stats.syncs);
    forwarder_->export_gauges(metrics_);
    if (membership_) {
      metrics_
          .gauge("ferry_broker_zookeeper_registered",
                 "1 while this broker's node is registered in ZooKeeper")
          .set(membership_->registered() ? 1 : 0);
    }
  });
  auto started = http_->start();
  if (!started)
    throw std::runtime_error("cannot serve http on " + config_.http_listen + ": " +
                             started.error().message());
}

}  // namespace ferry::broker
