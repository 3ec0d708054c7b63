#include "consumer/consumer_app.h"

#include <filesystem>
#include <random>

#include <spdlog/spdlog.h>

#include "common/app/service_notify.h"
#include "common/crypto/payload_seal.h"
#include "common/net/endpoint.h"
#include "common/net/quarantine_refusal.h"
#include "common/tls/context_source.h"
#include "common/tls/tls_context.h"
#include "consumer/broker_session.h"
#include "consumer/store/errc.h"
#include "consumer/store/posix_sink.h"
#include "consumer/store/webhdfs_sink.h"

namespace ferry::consumer {

ConsumerApp::ConsumerApp(ConsumerConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

ConsumerApp::~ConsumerApp() {
  worker_.join();
  stop_kafka_listener();  // a start() that threw never reached stop()
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
  auto db = storage::RocksStore::open(
      {.path = config_.data_dir + "/db", .column_families = families}, why);
  if (!db) {
    throw std::runtime_error(
        "cannot open the commit manifest at " + config_.data_dir + "/db: " + why +
        ". Nothing was deleted; if another consumer holds the lock, stop it; if the "
        "database is corrupt, restore it or move it aside (output files stay valid).");
  }
  db_ = std::move(db).value();
  auto quarantine = storage::Quarantine::open(config_.data_dir + "/quarantine");
  if (!quarantine) {
    throw std::runtime_error("cannot open the quarantine at " + config_.data_dir +
                             "/quarantine: " + quarantine.error().message());
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
    if (ec)
      throw std::runtime_error("cannot create output_root " + config_.output_root + ": " +
                               ec.message());
    sink_ = std::make_unique<store::PosixSink>(config_.output_root, config_.output_modes);
  }
  uint64_t epoch = 0;
  if (config_.zookeeper.enabled()) {
    if (config_.sink != "posix") {
      throw std::runtime_error(
          "[zookeeper] with sink = \"" + config_.sink +
          "\": several consumers share commit manifests through the output, which only "
          "the posix sink can read back so far");
    }
    // New at every start: a successor tells this instance from an earlier one by it.
    std::random_device rd;
    epoch = (static_cast<uint64_t>(now_ms()) << 12) | (rd() & 0xfff);
    slots_ =
        std::make_unique<SlotOwnership>(config_.node_id, epoch, [this](SlotOwnership::Actions a) {
          asio::post(worker_,
                     [this, a = std::move(a)]() mutable { apply_slot_actions(std::move(a)); });
        });
    config_.store.fence_tag = slots_->tag();
  }
  auto tracker = store::HourTracker::open(*db_, *sink_, clock_, config_.hours);
  if (!tracker)
    throw std::runtime_error("cannot open the hour tracker: " + tracker.error().message());
  tracker_ = std::move(tracker).value();
  auto st = store::BucketStore::open(*db_, *sink_, clock_, config_.store, tracker_.get());
  if (!st) throw std::runtime_error("cannot recover the bucket store: " + st.error().message());
  store_ = std::move(st).value();
  if (slots_) {
    tier_hours_ = std::make_unique<store::TierHours>(
        *sink_, *tracker_, config_.node_id, slots_->tag(),
        [this](uint32_t slot) { return slots_->writable(slot); });
  }
  replays_ =
      std::make_unique<replay::ReplayManager>(*db_, *sink_, worker_, io_.get_executor(), clock_);
  if (auto loaded = replays_->load(); !loaded) {
    throw std::runtime_error("cannot read the replays' records: " + loaded.error().message());
  }
  if (config_.subscribe.enabled()) open_live_log();
  const auto& rec = store_->recovery();
  spdlog::info(
      "recovery: {} unfinished files discarded (redelivery refills them), {} rolled forward, "
      "{} completed, {} lost before commit",
      rec.discarded_open, rec.rolled_forward, rec.completed, rec.lost_prepared);

  broker_server_ = std::make_unique<net::TlsServer>(io_.get_executor(), tls_server_,
                                                    config_.broker_tuning, config_.max_frame_bytes,
                                                    "broker listener", config_.broker_limits);
  auto hp = net::parse_host_port(config_.listen);
  if (auto ec = broker_server_->listen(hp->host, hp->port)) {
    throw std::runtime_error("cannot listen on " + config_.listen + ": " + ec.message());
  }
  setup_http();
  if (live_log_) start_kafka_listener();
  session_deps_ = std::make_unique<BrokerSessionDeps>(broker_session_deps());
  broker_server_->start([this](std::shared_ptr<net::FrameConnection> conn) {
    return run_broker_session(*session_deps_, std::move(conn));
  });
  hangup_.start();
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (!ec) {
      spdlog::info("signal {}: draining", sig);
      stop();
    }
  });
  schedule_commit();
  if (config_.zookeeper.enabled()) start_membership(epoch);  // only now: listening, store recovered
  spdlog::info("consumer {} listening for brokers on {}:{}, http on {}, writing to {}",
               config_.node_id, hp->host, broker_server_->port(), http_port(),
               config_.sink == "webhdfs"
                   ? "webhdfs://" + config_.webhdfs.namenode + config_.webhdfs.root
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
  stop_kafka_listener();
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

void ConsumerApp::add_batch(wire::BatchFrame batch, const std::string& dc,
                            std::weak_ptr<net::FrameConnection> conn,
                            std::shared_ptr<PendingAdds> pending_adds) {
  auto frame = std::make_shared<wire::BatchFrame>(std::move(batch));
  asio::post(worker_, [this, frame, dc, conn, pending_adds] {
    add_on_worker(frame, dc, conn, pending_adds);
  });
}

void ConsumerApp::add_on_worker(std::shared_ptr<wire::BatchFrame> frame, std::string dc,
                                std::weak_ptr<net::FrameConnection> conn,
                                std::shared_ptr<PendingAdds> pending_adds) {
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
    if (live_feed_ && outcome && outcome.value() == store::AddOutcome::kAccepted) {
      live_feed_->on_accepted(*frame, now_ms());
    }
    asio::post(io_, [this, frame, dc, conn, pending_adds, outcome] {
      pending_adds->answered();
      auto c = conn.lock();
      const auto& h = frame->header;
      if (!outcome) {
        const auto& ec = outcome.error();
        if (ec == store::Errc::kBadBatch || ec == store::Errc::kSealedPayload) {
          refuse_batch(conn, *frame, wire::Errc::kBadBatch, "the store refused it: " + ec.message(),
                       dc, pending_adds);
        } else {
          fail_store(ec);
        }
        return;
      }
      metrics_.counter("ferry_consumer_received_batches_total", "Batches received from brokers")
          .inc();
      ++received_batches_;
      if (outcome.value() == store::AddOutcome::kAlreadyCommitted) {
        metrics_
            .counter("ferry_consumer_duplicate_batches_total",
                     "Batches received again after their commit")
            .inc();
        ++duplicate_batches_;
        if (c) send_committed(*c, {store::batch_id_of(h)});
        return;
      }
      if (h.replay_id != 0) replays_->on_added(h);
      auto& w = waiters_[store::batch_id_key(store::batch_id_of(h))];
      if (w.dc.empty() &&
          h.replay_id ==
              0) {  // first copy: later resends of a batch awaiting commit are not new events
        w.dc = dc;
        w.events = h.event_count;
        dc_totals_.count_in(dc, h.event_count, now_ms());
      }
      if (c) w.conns.push_back(conn);
      w.newest_event_ms = std::max(w.newest_event_ms, h.max_time_ms);
    });
  }
}

std::error_code ConsumerApp::open_sealed(wire::BatchFrame& batch, std::string& why) const {
  if (!batch.header.sealed()) return {};
  if (!keys_) {
    why = "sealed with key id " + std::to_string(batch.header.key_id) +
          ", but this node holds no sealing keys";
    return wire::Errc::kBadBatch;
  }
  return crypto::open_payload(*keys_->current(), batch.header, batch.payload, why);
}

void ConsumerApp::refuse_batch(std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame batch,
                               wire::Errc code, std::string why, const std::string& dc,
                               std::shared_ptr<PendingAdds> pending_adds) {
  // The marker is written and committed in the batch's place, so the broker sees
  // COMMITTED as for any batch and the stream's seqs stay dense for hour completeness.
  net::QuarantineRefusal how{
      *quarantine_, worker_.get_executor(), io_.get_executor(), config_.node_id,
      [this, conn, dc, pending_adds](wire::BatchFrame marker, const wire::Refusal&) {
        metrics_
            .counter("ferry_consumer_refused_batches_total",
                     "Batches refused for good and quarantined")
            .inc();
        ++pending_adds->count;
        add_batch(std::move(marker), dc, conn, pending_adds);
      }};
  net::quarantine_then_refuse(how, std::move(conn), std::move(batch), code, std::move(why),
                              now_ms());
}

void ConsumerApp::add_watermark(const wire::Watermark& w) {
  asio::post(worker_, [this, w] {
    auto r = tracker_->on_watermark(w);
    if (!r) spdlog::warn("watermark {}/{}: {}", w.host, w.category, r.error().message());
  });
}

}  // namespace ferry::consumer
