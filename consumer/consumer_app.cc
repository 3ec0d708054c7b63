#include "consumer/consumer_app.h"

#include <filesystem>
#include <random>

#include <spdlog/spdlog.h>

#include "common/app/service_notify.h"
#include "common/net/socket_tuning.h"
#include "common/crypto/payload_seal.h"
#include "common/net/quarantine_refusal.h"

#include "common/dashboard/dashboard.h"
#include "common/net/endpoint.h"
#include "common/tls/context_source.h"
#include "common/tls/tls_context.h"
#include "consumer/broker_session.h"
#include "consumer/store/errc.h"
#include "consumer/store/posix_sink.h"
#include "consumer/store/webhdfs_sink.h"

namespace ferry::consumer {
namespace {

constexpr TimeMs kEvaluateEveryMs = 1000;
// Folding committed ids into per-stream floors is cheap; often enough that the index
// stays small, rarely enough that range tombstones stay few.
constexpr TimeMs kCompactIndexEveryMs = 10'000;

// Live batches are acked COMMITTED; replayed ones REPLAY_COMMITTED, per replay id.
void send_committed(net::FrameConnection& conn, std::vector<store::BatchId> ids) {
  std::map<uint64_t, std::vector<store::BatchId>> by_replay;
  for (auto& id : ids) by_replay[id.replay_id].push_back(std::move(id));
  for (auto& [replay_id, some] : by_replay) {
    if (replay_id == 0) {
      wire::Ack ack;
      ack.ranges = batch::to_ack_ranges(std::move(some));
      conn.send(wire::encode(wire::FrameType::kCommitted, ack));
    } else {
      conn.send(wire::encode(wire::ReplayCommitted{replay_id, batch::to_ack_ranges(std::move(some))}));
    }
  }
}

}  // namespace

ConsumerApp::ConsumerApp(ConsumerConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

ConsumerApp::~ConsumerApp() {
  worker_.join();
  // The store and tracker are destroyed here, after the worker has finished with them.
}

void ConsumerApp::start() {
  auto ctx = tls::ContextSource::load(tls::ContextSource::Side::kServer, config_.tls);
  if (!ctx) throw std::runtime_error("TLS: " + ctx.error().text);
  tls_server_ = ctx.value();
  hangup_.reload_on_hangup("TLS server context", tls_server_);

  std::string why;
  if (!config_.seal_keys_dir.empty()) {
    keys_ = std::make_shared<crypto::KeyStore>(config_.seal_keys_dir, why);
    if (!why.empty()) throw std::runtime_error("[seal] keys_dir: " + why);
    hangup_.reload_on_hangup(keys_);
    spdlog::info("opening sealed payloads with key ids {} of {}", keys_->current()->describe_ids(),
                 config_.seal_keys_dir);
  }
  auto families = store::BucketStore::column_families();
  families.push_back(replay::ReplayManager::kCf);
  auto db = storage::RocksStore::open({.path = config_.data_dir + "/db", .column_families = families}, why);
  if (!db) {
    throw std::runtime_error("cannot open the commit manifest at " + config_.data_dir + "/db: " + why +
                             ". Nothing was deleted; if another consumer holds the lock, stop it; if the "
                             "database is corrupt, restore it or move it aside (output files stay valid).");
  }
  db_ = std::move(db).value();
  auto quarantine = storage::Quarantine::open(config_.data_dir + "/quarantine");
  if (!quarantine) {
    throw std::runtime_error("cannot open the quarantine at " + config_.data_dir + "/quarantine: " +
                             quarantine.error().message());
  }
  quarantine_ = std::move(quarantine).value();
  if (config_.sink == "webhdfs") {
    std::shared_ptr<asio::ssl::context> https;
    if (config_.webhdfs.https) {
      auto made = tls::make_https_client_context(config_.webhdfs.tls);
      if (!made) throw std::runtime_error("[webhdfs] TLS: " + made.error().text);
      https = std::move(made).value();
    }
    sink_ = std::make_unique<store::WebHdfsSink>(config_.webhdfs, std::move(https));
  } else {
    std::error_code ec;
    std::filesystem::create_directories(config_.output_root, ec);
    if (ec) throw std::runtime_error("cannot create output_root " + config_.output_root + ": " + ec.message());
    sink_ = std::make_unique<store::PosixSink>(config_.output_root, config_.output_modes);
  }
  uint64_t epoch = 0;
  if (config_.zookeeper.enabled()) {
    if (config_.sink != "posix") {
      throw std::runtime_error("[zookeeper] with sink = \"" + config_.sink +
                               "\": several consumers share commit manifests through the output, which only "
                               "the posix sink can read back so far");
    }
    // New at every start: a successor tells this instance from an earlier one by it.
    std::random_device rd;
    epoch = (static_cast<uint64_t>(now_ms()) << 12) | (rd() & 0xfff);
    slots_ = std::make_unique<SlotOwnership>(config_.node_id, epoch, [this](SlotOwnership::Actions a) {
      asio::post(worker_, [this, a = std::move(a)]() mutable { apply_slot_actions(std::move(a)); });
    });
    config_.store.fence_tag = slots_->tag();
  }
  auto tracker = store::HourTracker::open(*db_, *sink_, clock_, config_.hours);
  if (!tracker) throw std::runtime_error("cannot open the hour tracker: " + tracker.error().message());
  tracker_ = std::move(tracker).value();
  auto st = store::BucketStore::open(*db_, *sink_, clock_, config_.store, tracker_.get());
  if (!st) throw std::runtime_error("cannot recover the bucket store: " + st.error().message());
  store_ = std::move(st).value();
  if (slots_) {
    tier_hours_ = std::make_unique<store::TierHours>(*sink_, *tracker_, config_.node_id, slots_->tag(),
                                                     [this](uint32_t slot) { return slots_->writable(slot); });
  }
  replays_ = std::make_unique<replay::ReplayManager>(*db_, *sink_, worker_, io_.get_executor(), clock_);
  if (auto loaded = replays_->load(); !loaded) {
    throw std::runtime_error("cannot read the replays' records: " + loaded.error().message());
  }
  const auto& rec = store_->recovery();
  spdlog::info("recovery: {} unfinished files discarded (redelivery refills them), {} rolled forward, "
               "{} completed, {} lost before commit",
               rec.discarded_open, rec.rolled_forward, rec.completed, rec.lost_prepared);

  broker_server_ = std::make_unique<net::TlsServer>(io_.get_executor(), tls_server_, config_.broker_tuning,
                                                    config_.max_frame_bytes, "broker listener", config_.broker_limits);
  auto hp = net::parse_host_port(config_.listen);
  if (auto ec = broker_server_->listen(hp->host, hp->port)) {
    throw std::runtime_error("cannot listen on " + config_.listen + ": " + ec.message());
  }
  setup_http();
  broker_server_->start([this](std::shared_ptr<net::FrameConnection> conn) {
    return run_broker_session(*this, std::move(conn));
  });
  hangup_.start();
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (!ec) {
      spdlog::info("signal {}: draining", sig);
      stop();
    }
  });
  schedule_commit();
  if (config_.zookeeper.enabled()) {  // only now: listening, and the store recovered
    zk::MembershipOptions o;
    o.zk = config_.zookeeper;
    o.self_path = "/consumers/" + config_.node_id;
    o.self = zk::Member{config_.node_id, "", config_.advertise, config_.http_listen, 0, epoch};
    o.watch_path = "/consumers";
    o.on_pass = [this](zk::ZkClient& zk) { return slots_->on_pass(zk); };
    o.register_after_expiry = false;  // a successor may have fenced us: restart as a new instance
    o.on_expired = [this] {
      spdlog::error("zookeeper session expired: another consumer may have fenced this instance and taken its "
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
  spdlog::info("consumer {} listening for brokers on {}:{}, http on {}, writing to {}", config_.node_id,
               hp->host, broker_server_->port(), http_port(),
               config_.sink == "webhdfs" ? "webhdfs://" + config_.webhdfs.namenode + config_.webhdfs.root
                                         : config_.output_root);
}

int ConsumerApp::run() {
  io_.run();
  return store_failed_ ? 1 : 0;
}

void ConsumerApp::stop() {
  if (stopping_) return;
  stopping_ = true;
  // A restart in place is a reload to systemd: the new image says READY=1 again.
  app::notify_service(restart_in_place_ ? "RELOADING=1" : "STOPPING=1");
  // Our slots stay locked until the final commit below is done; the store writes
  // nothing more of them meanwhile. Without slots, brokers move at once.
  if (slots_) slots_->lose_all();
  if (membership_ && !slots_) membership_->stop();
  broker_server_->stop_accepting();
  commit_timer_.cancel();
  signals_.cancel();
  hangup_.stop();
  // Commit what is open so a clean stop leaves no unfinished files; the acks cannot go
  // out any more, so brokers resend and learn COMMITTED from the manifest.
  std::promise<void> done;
  asio::post(worker_, [this, &done] {
    if (!store_failed_) {
      auto r = store_->commit_all();
      if (!r) spdlog::error("final commit failed: {}", r.error().message());
    }
    done.set_value();
  });
  done.get_future().wait();
  if (membership_) membership_->stop();
  if (http_) http_->stop();
  io_.stop();
}

uint16_t ConsumerApp::broker_port() const { return broker_server_ ? broker_server_->port() : 0; }
uint16_t ConsumerApp::http_port() const { return http_ ? http_->port() : 0; }

void ConsumerApp::fail_store(const std::error_code& ec) {
  // A poisoned store is reopened by restarting: recovery then restores a consistent
  // state. Exit non-zero so the supervisor restarts us.
  if (store_failed_) return;
  store_failed_ = true;
  spdlog::critical("bucket store failed ({}); exiting so that restart recovery runs", ec.message());
  asio::post(io_, [this] { stop(); });
}

void ConsumerApp::add_batch(wire::BatchFrame batch, const std::string& dc, std::weak_ptr<net::FrameConnection> conn,
                            std::shared_ptr<uint32_t> pending_adds) {
  auto frame = std::make_shared<wire::BatchFrame>(std::move(batch));
  asio::post(worker_, [this, frame, dc, conn, pending_adds] { add_on_worker(frame, dc, conn, pending_adds); });
}

void ConsumerApp::add_on_worker(std::shared_ptr<wire::BatchFrame> frame, std::string dc,
                                std::weak_ptr<net::FrameConnection> conn, std::shared_ptr<uint32_t> pending_adds) {
  if (slots_) {
    const uint32_t slot = zk::slot_of(frame->header.host, frame->header.category);
    if (!slots_->writable(slot)) {
      // Being claimed, or our view of /consumers is behind the broker's (or ahead).
      parked_[slot].push_back({frame, dc, conn, pending_adds, now_ms()});
      return;
    }
  }
  {
    auto outcome = store_->add(*frame);
    asio::post(io_, [this, frame, dc, conn, pending_adds, outcome] {
      --*pending_adds;
      auto c = conn.lock();
      const auto& h = frame->header;
      if (!outcome) {
        const auto& ec = outcome.error();
        if (ec == store::Errc::kBadBatch || ec == store::Errc::kSealedPayload) {
          refuse_batch(conn, *frame, wire::Errc::kBadBatch, "the store refused it: " + ec.message(), dc, pending_adds);
        } else {
          fail_store(ec);
        }
        return;
      }
      metrics_.counter("ferry_consumer_received_batches_total", "Batches received from brokers").inc();
      ++received_batches_;
      if (outcome.value() == store::AddOutcome::kAlreadyCommitted) {
        metrics_.counter("ferry_consumer_duplicate_batches_total", "Batches received again after their commit").inc();
        ++duplicate_batches_;
        if (c) send_committed(*c, {store::batch_id_of(h)});
        return;
      }
      if (h.replay_id != 0) replays_->on_added(h);
      auto& w = waiters_[store::batch_id_key(store::batch_id_of(h))];
      if (w.dc.empty() && h.replay_id == 0) {  // first copy: later resends of a batch awaiting commit are not new events
        w.dc = dc;
        w.events = h.event_count;
        dc_totals_.count_in(dc, h.event_count, now_ms());
      }
      if (c) w.conns.push_back(conn);
      w.newest_event_ms = std::max(w.newest_event_ms, h.max_time_ms);
    });
  }
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
    if (learnt.value() > 0) spdlog::info("slots: learnt {} batches committed by other consumers", learnt.value());
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
          --*pending_adds;
          if (auto c = conn.lock(); c && c->usable()) {
            spdlog::warn("batch {}/{}/{}: its stream's slot is another consumer's; closing the link so that the "
                         "broker resends by its current view of the consumers",
                         h.host, h.category, h.seq);
            c->fail(wire::Errc::kOverloaded, "stream " + h.host + "/" + h.category + " is another consumer's now");
          }
        });
      }
    }
  }
}

std::error_code ConsumerApp::open_sealed(wire::BatchFrame& batch, std::string& why) const {
  if (!batch.header.sealed()) return {};
  if (!keys_) {
    why = "sealed with key id " + std::to_string(batch.header.key_id) + ", but this node holds no sealing keys";
    return wire::Errc::kBadBatch;
  }
  return crypto::open_payload(*keys_->current(), batch.header, batch.payload, why);
}

void ConsumerApp::refuse_batch(std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame batch, wire::Errc code,
                               std::string why, const std::string& dc, std::shared_ptr<uint32_t> pending_adds) {
  // The marker is written and committed in the batch's place, so the broker sees
  // COMMITTED as for any batch and the stream's seqs stay dense for hour completeness.
  net::QuarantineRefusal how{*quarantine_, worker_.get_executor(), io_.get_executor(), config_.node_id,
                             [this, conn, dc, pending_adds](wire::BatchFrame marker, const wire::Refusal&) {
                               metrics_.counter("ferry_consumer_refused_batches_total",
                                                "Batches refused for good and quarantined")
                                   .inc();
                               ++*pending_adds;
                               add_batch(std::move(marker), dc, conn, pending_adds);
                             }};
  net::quarantine_then_refuse(how, std::move(conn), std::move(batch), code, std::move(why), now_ms());
}

void ConsumerApp::add_watermark(const wire::Watermark& w) {
  asio::post(worker_, [this, w] {
    auto r = tracker_->on_watermark(w);
    if (!r) spdlog::warn("watermark {}/{}: {}", w.host, w.category, r.error().message());
  });
}

void ConsumerApp::schedule_commit() {
  commit_timer_.expires_after(config_.commit_interval);
  commit_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    if (const TimeMs now = now_ms(); dc_totals_.history_due(now)) dc_totals_.record_history(hosts_.snapshot(now), now);
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
  auto committed = store_->commit_due(now);
  if (tier_hours_ && committed && !committed.value().empty() && now - last_evaluate_ms_ < kEvaluateEveryMs) {
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
    if (now - last_compact_ms_ >= kCompactIndexEveryMs) {
      last_compact_ms_ = now;
      auto raised = store_->compact_committed_index();
      if (!raised) spdlog::error("compacting the committed-batch index failed: {}", raised.error().message());
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
  metrics_.counter("ferry_consumer_committed_batches_total", "Batches committed to the store").inc(ids.size());
  committed_batches_ += ids.size();
  auto& latency = metrics_.histogram("ferry_delivery_latency_seconds",
                                     "Event time of a batch's newest event to its commit at the consumer",
                                     {0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600});
  TimeMs now = now_ms();
  std::map<net::FrameConnection*, std::pair<std::shared_ptr<net::FrameConnection>, std::vector<store::BatchId>>> out;
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_dc;  // batches, events
  for (const auto& id : ids) {
    if (id.replay_id != 0) replays_->on_committed(id);
    auto it = waiters_.find(store::batch_id_key(id));
    if (it == waiters_.end()) continue;
    // Replayed events are old by design and counted by the replay, not as live flow.
    if (id.replay_id != 0) it->second.newest_event_ms = 0, it->second.dc.clear();
    if (it->second.newest_event_ms > 0) latency.observe(std::max<TimeMs>(0, now - it->second.newest_event_ms) / 1000.0);
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

void ConsumerApp::setup_http() {
  http_ = std::make_unique<http::HttpServer>(io_, config_.http, &metrics_);
  http_->routes().get("/api/hosts", [this](const http::Request&) {
    return http::Response::json(hosts_.to_json(now_ms()).dump());
  });
  dashboard::add_dashboard_routes(http_->routes(), config_.node_id + " (all DCs)");
  http_->routes().get("/api/summary", [this](const http::Request&) {
    nlohmann::json j = {{"node_id", config_.node_id},
                        {"now_ms", now_ms()},
                        {"output_root", config_.output_root},
                        {"received_batches", received_batches_},
                        {"committed_batches", committed_batches_},
                        {"duplicate_batches", duplicate_batches_},
                        {"awaiting_commit", waiters_.size()},
                        {"quarantined_batches", quarantine_->batches()},
                        {"slots_owned", slots_ ? static_cast<int64_t>(slots_->owned_count()) : -1},
                        {"quarantine_dir", quarantine_->dir()},
                        {"replays_running", replays_->running()},
                        {"congestion_refused", net::refused_congestion_controls()},
                        {"dcs", dc_totals_.to_json(hosts_.snapshot(now_ms()), now_ms())}};
    return http::Response::json(j.dump());
  });
  // Shown from the start, at 0: a resend that never happened is worth seeing as such.
  metrics_.counter("ferry_consumer_duplicate_batches_total", "Batches received again after their commit");
  metrics_.on_collect([this] {
    net::export_socket_gauges(metrics_);
    metrics_.gauge("ferry_consumer_quarantined_batches", "Batches refused for good and kept in the quarantine")
        .set(static_cast<double>(quarantine_->batches()));
    status::export_host_gauges(hosts_, metrics_, now_ms());
    dc_totals_.export_gauges(hosts_.snapshot(now_ms()), metrics_, now_ms());
    if (membership_) {
      metrics_.gauge("ferry_consumer_zookeeper_registered", "1 while this consumer's node is registered in ZooKeeper")
          .set(membership_->registered() ? 1 : 0);
      metrics_.gauge("ferry_consumer_slots_owned", "Stream slots this consumer writes (of 256)")
          .set(static_cast<double>(slots_->owned_count()));
      metrics_.gauge("ferry_consumer_not_owned_batches", "Batches whose slot stayed another consumer's: their broker link was closed for a resend")
          .set(static_cast<double>(not_owned_batches_.load()));
    }
  });
  http_->routes().get("/api/hours", [this](const http::Request&) {
    std::lock_guard lock(hours_mu_);
    return http::Response::json(hours_json_.dump());
  });
  http_->routes().get("/api/replays", [this](const http::Request&) {
    return http::Response::json(replays_->list_json().dump());
  });
  http_->routes().get_prefix("/api/replays/", [this](const http::Request& req) {
    uint64_t id = 0;
    try {
      id = std::stoull(req.path.substr(std::string("/api/replays/").size()));
    } catch (...) {
    }
    auto j = replays_->detail_json(id);
    if (j.is_null()) return http::Response::text("no such replay\n", 404);
    return http::Response::json(j.dump());
  });
  http_->routes().post_async("/api/replays", [this](http::Request req) { return replays_->start(std::move(req)); });
  http_->routes().post_async("/api/replays/cancel",
                             [this](http::Request req) { return replays_->cancel(std::move(req)); });
  http_->routes().post_async("/api/hosts/forget", [this](http::Request req) { return forget_host(std::move(req)); });
  auto started = http_->start();
  if (!started) throw std::runtime_error("cannot serve http on " + config_.http_listen + ": " + started.error().message());
}

asio::awaitable<std::error_code> ConsumerApp::forget_host_on_worker(std::string host) {
  auto r = tracker_->forget_host(host);
  co_return r ? std::error_code() : r.error();
}

asio::awaitable<http::Response> ConsumerApp::forget_host(http::Request req) {
  auto host = req.query_param("host");
  if (!host || !batch::valid_name(*host)) co_return http::Response::text("missing or invalid ?host=\n", 400);
  std::error_code ec = co_await asio::co_spawn(worker_, forget_host_on_worker(*host), asio::use_awaitable);
  if (ec) co_return http::Response::text("forget failed: " + ec.message() + "\n", 500);
  hosts_.forget(*host);
  spdlog::info("operator declared host {} gone", *host);
  co_return http::Response::text("forgot " + *host + "\n");
}

}  // namespace ferry::consumer
