#include "agent/agent_app.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "agent/checkpoint/state_dir_lock.h"
#include "agent/file_release.h"
#include "agent/status_report.h"
#include "agent/unacked_resend.h"
#include "common/app/service_notify.h"
#include "common/log/printable.h"
#include "common/net/endpoint.h"
#include "common/net/socket_tuning.h"
#include "common/net/tls_server.h"
#include "common/tls/context_source.h"
#include "common/wire/messages.h"

namespace ferry::agent {
namespace {

constexpr size_t kMaxReadPerPass = 1u << 20;
// More than this queued on the link and the pump waits for it before its next pass.
constexpr size_t kUnsentBeforeYield = 1u << 20;
// Batches cut and not yet sent (being encoded, or waiting for their checkpoint write):
// past this the pump reads no more. It is also how far a pass may go past a full window, as before.
constexpr size_t kMaxUnreleased = 16;

}  // namespace

AgentApp::AgentApp(AgentConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      window_(config_.window_batches, config_.window_bytes) {}

AgentApp::~AgentApp() = default;

void AgentApp::start() {
  // Before anything reads or writes the state: it is ours alone, and writable.
  state_lock_ = checkpoint::StateDirLock::acquire(config_.state_dir);
  auto ctx = tls::ContextSource::load(tls::ContextSource::Side::kClient, config_.tls);
  if (!ctx) throw std::runtime_error("TLS: " + ctx.error().text);
  tls_ = ctx.value();
  hangup_.reload_on_hangup("TLS client context", tls_);

  std::string state_path = config_.state_dir + "/checkpoint";
  auto cp = checkpoint::Checkpoint::open(state_path);
  if (!cp) {
    throw std::runtime_error(
        "cannot load the agent checkpoint " + state_path + " (" + cp.error().message() +
        "). Both copies are damaged; starting over would reuse sequence numbers and make "
        "the consumer drop new events as duplicates. Move the state directory aside only "
        "together with the consumer's record of this host.");
  }
  checkpoint_ = std::move(cp).value();
  flusher_ = std::make_unique<CheckpointFlusher>(
      io_, *checkpoint_, [this](std::vector<send::InflightBatch> b) { send_durable(std::move(b)); },
      [this](std::error_code ec) {
        spdlog::critical("checkpoint flush failed: {}; not sending, stopping", ec.message());
        stop();
      });
  window_.set_incarnation(checkpoint_->state().incarnation);
  std::shared_ptr<crypto::KeyStore> keys;
  if (!config_.seal_keys_dir.empty()) {
    std::string why;
    keys = std::make_shared<crypto::KeyStore>(config_.seal_keys_dir, why);
    if (!why.empty()) throw std::runtime_error("[seal] keys_dir: " + why);
    hangup_.reload_on_hangup(keys);
    spdlog::info("sealing payloads with key id {} of {}", keys->current()->newest_id(),
                 config_.seal_keys_dir);
  }
  encoder_ = std::make_unique<BatchEncoder>(config_.host, checkpoint_->state().incarnation,
                                            config_.zstd_level, keys);
  encode_worker_ = std::make_unique<BatchEncodeWorker>(
      io_,
      std::make_unique<BatchEncoder>(config_.host, checkpoint_->state().incarnation,
                                     config_.zstd_level, std::move(keys)),
      [this](BatchEncodeWorker::Batches batches) { flusher_->submit(std::move(batches)); },
      [this](const std::string& why) {
        spdlog::critical("{}; not sending, stopping", why);
        stop();
      });
  spdlog::info("agent state {} is incarnation {}", config_.state_dir,
               checkpoint_->state().incarnation);
  if (checkpoint_->loaded_from() == checkpoint::Checkpoint::Source::kFresh) {
    spdlog::warn(
        "agent state {} is new: every file matching the sources' globs is read from its start. If "
        "this "
        "host shipped before under another state (a wiped state dir, a reimage), the lines of "
        "those files "
        "arrive again as a new incarnation: nothing is lost, some lines may repeat",
        config_.state_dir);
  }
  if (checkpoint_->loaded_from() == checkpoint::Checkpoint::Source::kPrevious) {
    spdlog::error(
        "checkpoint {} was torn or corrupt: resumed from the previous copy {}; batches recorded "
        "after it will be read and sent again (downstream deduplicates)",
        state_path, checkpoint_->prev_path());
  }

  file_hours_ = std::make_unique<FileHours>(config_.state_dir + "/file_hours.json");
  file_hours_->load();
  for (const auto& src : config_.sources) {
    tail::SourceOptions so;
    so.category = src.category;
    so.globs = src.paths;
    so.max_event_bytes = config_.max_event_bytes;
    so.rotate_wait_ms = config_.rotate_wait.count();
    so.time_zone = src.time_zone;
    spdlog::info("[{}] RFC 3164 timestamps are read in time zone {}", src.category,
                 src.time_zone->name());
    auto watcher = std::make_unique<tail::SourceWatcher>(so, clock_);
    std::vector<tail::ResumePoint> resume;
    for (const auto& p : checkpoint_->positions(src.category)) {
      resume.push_back({p.file, p.offset, p.line_time_ms, p.path});
    }
    watcher->add_resume_points(resume);
    auto started = watcher->start();
    if (!started)
      throw std::runtime_error("cannot watch " + src.category + ": " + started.error().message());
    if (watcher->inotify_fd() >= 0) waker_.watch_readable(watcher->inotify_fd());
    auto [stream, added] =
        streams_.try_emplace(src.category, src.category, std::move(watcher),
                             config_.batch_max_bytes, *checkpoint_, *encoder_, clock_);
    stream->second.set_file_hours(file_hours_.get());
  }
  resend_unacked(config_.host, *checkpoint_, streams_, *encoder_, window_);
  for (auto& [category, s] : streams_) s.defer_encoding();  // encode_worker_ encodes them

  send::BrokerLinkOptions lo;
  lo.host = config_.host;
  lo.dc = config_.dc;
  lo.brokers = config_.brokers;
  lo.tuning = config_.tuning;
  lo.max_frame_bytes = config_.max_frame_bytes;
  link_ = std::make_unique<send::BrokerLink>(
      io_.get_executor(), *tls_, lo, window_,
      [this](std::vector<send::InflightBatch> b) { on_delivered(std::move(b)); },
      [this](std::vector<send::InflightBatch> b, const wire::Refusal& r) {
        on_refused(std::move(b), r);
      });
  replay::HostReplayOptions ro;
  ro.host = config_.host;
  ro.state_dir = config_.state_dir;
  ro.batch_max_bytes = config_.batch_max_bytes;
  ro.max_event_bytes = config_.max_event_bytes;
  replays_ = std::make_unique<replay::HostReplays>(
      ro, config_.sources, *file_hours_, *encoder_, clock_,
      [this](std::string frame) { link_->send_side(std::move(frame)); });
  link_->on_replay_frames([this](const wire::Frame& f) { on_replay_frame(f); },
                          [this] { replays_->on_disconnected(); });
  link_->start();
  if (config_.zookeeper.enabled()) {
    discovery_ = std::make_unique<send::BrokerDiscovery>(
        io_.get_executor(), config_.zookeeper, config_.host, config_.dc, config_.brokers, *link_);
    discovery_->start();
  }
  setup_http();
  asio::co_spawn(io_, pump_loop(this), net::log_exception);
  asio::co_spawn(io_, status_loop(this), net::log_exception);
  asio::co_spawn(io_, replay_loop(this), net::log_exception);
  hangup_.start();
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (!ec) {
      spdlog::info("signal {}: stop reading, waiting up to {} ms for acks", sig,
                   config_.shutdown_timeout.count());
      stop();
    }
  });
  spdlog::info("agent {} (dc {}) tailing {} sources, {} unacked batches to resend", config_.host,
               config_.dc, streams_.size(), window_.size());
}

int AgentApp::run() {
  io_.run();
  return 0;
}

void AgentApp::stop() {
  if (stopping_) return;
  stopping_ = true;
  app::notify_service("STOPPING=1");
  stop_deadline_ms_ = clock_.now_ms() + config_.shutdown_timeout.count();
  waker_.wake();
}

asio::awaitable<void> AgentApp::pump_loop(AgentApp* self) {
  self->last_poll_ms_ = self->clock_.now_ms() - self->config_.poll_interval.count();
  while (true) {
    bool busy = false;
    if (!self->stopping_) busy = self->pump_once();  // stopping: no more reading, only acks
    if (self->stopping_) {
      if ((self->window_.empty() && self->encode_worker_->pending() == 0 &&
           self->flusher_->idle()) ||
          self->clock_.now_ms() >= self->stop_deadline_ms_) {
        // The final flush below must not race a write in flight (one writer per copy).
        while (!self->flusher_->idle())
          co_await self->waker_.sleep_for(std::chrono::milliseconds(5));
        if (!self->window_.empty()) {
          spdlog::warn("stopping with {} batches not yet DELIVERED; they are resent on restart",
                       self->window_.size());
        }
        auto r = self->checkpoint_->flush();
        if (!r) spdlog::error("final checkpoint flush failed: {}", r.error().message());
        self->file_hours_->save(self->clock_.now_ms());
        if (self->discovery_) self->discovery_->stop();
        self->link_->stop();
        self->replay_wake_.cancel();
        self->signals_.cancel();
        self->hangup_.stop();
        self->io_.stop();
        co_return;
      }
    }
    bool poll_needed = false;
    for (auto& [category, s] : self->streams_) poll_needed |= s.watcher().needs_poll();
    if (busy && self->link_->unsent_bytes() > kUnsentBeforeYield) {
      // Reading and compressing run on the io thread too, and a pass gets one TLS record
      // out: left to itself the pump would run ahead of the link and the broker would
      // get nothing until the window is full. Let the link hand most of it to the kernel.
      self->link_->when_unsent_below(kUnsentBeforeYield / 4, [self] { self->waker_.wake(); });
      co_await self->waker_.sleep_for(self->idle_wait());
    } else if (busy || poll_needed) {
      // Let acks and the network run between passes.
      co_await asio::post(self->io_, asio::use_awaitable);
    } else {
      // Idle: nothing to read. Sleep until inotify sees a change, a delivery makes room,
      // stop(), or the next safety poll or linger cut.
      co_await self->waker_.sleep_for(self->idle_wait());
    }
  }
}

std::chrono::milliseconds AgentApp::idle_wait() const {
  const TimeMs now = clock_.now_ms();
  TimeMs wait = config_.poll_interval.count() - std::max<TimeMs>(0, now - last_poll_ms_);
  for (const auto& [category, s] : streams_) {
    if (s.building()) wait = std::min(wait, s.opened_ms() + config_.linger.count() - now);
  }
  if (stopping_) wait = std::min(wait, stop_deadline_ms_ - now);
  return std::chrono::milliseconds(std::clamp<TimeMs>(wait, 1, config_.poll_interval.count()));
}

bool AgentApp::pump_once() {
  const TimeMs now = clock_.now_ms();
  bool poll_due = elapsed(now, last_poll_ms_, config_.poll_interval);
  bool read_any = false;
  for (auto& [category, s] : streams_) {
    if (s.watcher().drain_inotify() || s.watcher().needs_poll()) poll_due = true;
  }
  if (poll_due) last_poll_ms_ = now;
  for (auto& [category, s] : streams_) {
    if (poll_due) {
      auto r = s.watcher().poll();
      if (!r) spdlog::warn("polling {} failed: {}", category, r.error().message());
      stop_unless(s.note_adopted_copies(cut_));
    }
    // Backpressure: only read while the window has room and few batches wait for their
    // checkpoint write. Memory is the window plus kMaxUnreleased and one batch per stream.
    while (window_.has_room() &&
           cut_.size() + encode_worker_->pending() + flusher_->unreleased() < kMaxUnreleased) {
      auto chunk =
          s.watcher().read_some(std::min<size_t>(kMaxReadPerPass, config_.batch_max_bytes));
      // A read can start a copy (its original found truncated): its position goes in
      // before any of its batches.
      stop_unless(s.note_adopted_copies(cut_));
      if (!chunk) {
        spdlog::warn("reading {} failed: {}", category, chunk.error().message());
        break;
      }
      if (chunk.value().empty()) break;
      read_any = true;
      stop_unless(s.add(chunk.value(), cut_));
      send_cut_batches();  // the worker compresses while this thread reads on
    }
    stop_unless(s.cut_if_lingered(config_.linger, cut_));
  }
  send_cut_batches();
  window_full_ = !window_.has_room();
  if (poll_due) release_finished_files(streams_, *checkpoint_);
  return read_any;
}

void AgentApp::stop_unless(bool ok) {
  if (!ok) stop();
}

void AgentApp::send_cut_batches() {
  if (cut_.empty()) return;
  // Encoded off the io thread, then to the checkpoint: the seq -> range mapping is durable
  // before any of these batches leaves the host, as send_durable() gets them once a
  // checkpoint write that covers them has completed.
  encode_worker_->submit(std::exchange(cut_, {}));
}

void AgentApp::send_durable(std::vector<send::InflightBatch> batches) {
  auto& sent =
      metrics_.counter("ferry_agent_sent_batches_total", "Batches recorded and sent (first sends)");
  auto& sent_events =
      metrics_.counter("ferry_agent_sent_events_total", "Events in first-sent batches");
  for (auto& b : batches) {
    sent.inc();
    sent_events.inc(b.events);
    link_->send_batch(b);
    window_.add(std::move(b));
  }
  window_full_ = !window_.has_room();  // so that the DELIVERED that makes room wakes the pump
  waker_.wake();                       // a pump that stopped for unreleased batches reads on
}

void AgentApp::on_delivered(std::vector<send::InflightBatch> batches) {
  auto& delivered =
      metrics_.counter("ferry_agent_delivered_batches_total", "Batches acked DELIVERED");
  auto& delivered_events =
      metrics_.counter("ferry_agent_delivered_events_total", "Events in batches acked DELIVERED");
  for (const auto& b : batches) {
    if (checkpoint_->mark_delivered(b.category, b.seq) > 0) {
      delivered.inc();
      delivered_events.inc(b.events);
    }
  }
  // Not flushed here: a lost DELIVERED mark costs a resend, which is deduplicated.
  // A pump that stopped reading for want of room, or waits to drain, goes on now.
  if (window_full_ || stopping_) waker_.wake();
}

void AgentApp::on_refused(std::vector<send::InflightBatch> batches, const wire::Refusal& refusal) {
  // The broker keeps the batch in its quarantine; resending it would be refused again.
  for (const auto& b : batches) {
    spdlog::error("broker refused batch {}/{} ({} events) for good and quarantined it: {}",
                  b.category, b.seq, b.events, log::printable(refusal.text));
    if (checkpoint_->mark_delivered(b.category, b.seq) > 0) {
      metrics_
          .counter("ferry_agent_refused_batches_total",
                   "Batches a broker refused for good (quarantined)")
          .inc();
      metrics_
          .counter("ferry_agent_refused_events_total",
                   "Events in batches a broker refused for good")
          .inc(b.events);
    }
  }
}

asio::awaitable<void> AgentApp::status_loop(AgentApp* self) {
  asio::steady_timer timer(self->io_);
  while (!self->io_.stopped()) {
    self->send_status();
    prune_positions(self->config_.sources, self->streams_, *self->checkpoint_);
    self->file_hours_->save(self->clock_.now_ms());
    self->flusher_->request();  // persists DELIVERED marks
    timer.expires_after(self->config_.status_interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void AgentApp::on_replay_frame(const wire::Frame& frame) {
  if (frame.type == wire::FrameType::kReplay) {
    auto req = wire::decode_replay_request(frame.body);
    if (!req) {
      spdlog::warn("broker sent a bad REPLAY: {}", req.error().message());
      return;
    }
    replays_->on_request(req.value());
    replays_->report(false);
  } else {
    auto ack = wire::decode_replay_committed(frame.body);
    if (!ack) {
      spdlog::warn("broker sent a bad REPLAY_COMMITTED: {}", ack.error().message());
      return;
    }
    replays_->on_committed(ack.value());
  }
  replay_wake_.cancel();
}

asio::awaitable<void> AgentApp::replay_loop(AgentApp* self) {
  constexpr auto kReportEvery = std::chrono::milliseconds(500);
  auto last_report = std::chrono::steady_clock::now();
  while (!self->io_.stopped() && !self->stopping_) {
    std::optional<std::chrono::milliseconds> next;
    // Live batches first: a replay reads only while the live window has room.
    if (self->link_->connected() && self->window_.has_room()) next = self->replays_->pump();
    if (std::chrono::steady_clock::now() - last_report >= kReportEvery) {
      self->replays_->report(false);
      last_report = std::chrono::steady_clock::now();
    }
    auto wait = next ? std::min(*next, kReportEvery) : kReportEvery;
    if (wait.count() == 0) {
      co_await asio::post(self->io_, asio::use_awaitable);
      continue;
    }
    self->replay_wake_.expires_after(wait);
    boost::system::error_code ec;
    co_await self->replay_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void AgentApp::send_status() {
  const wire::Status status = agent_status(config_.host, streams_, window_, clock_.now_ms());
  for (const auto& ss : status.streams) {
    uint64_t sent_through = checkpoint_->next_seq(ss.category) - 1;
    if (sent_through > 0 && ss.watermark_ms > 0) {
      link_->send_side(
          wire::encode(wire::Watermark{config_.host, ss.category, sent_through, ss.watermark_ms,
                                       checkpoint_->state().incarnation}));
    }
  }
  link_->send_side(wire::encode(status));
}

void AgentApp::setup_http() {
  if (config_.http_listen.empty()) return;
  auto hp = net::parse_host_port(config_.http_listen);
  if (!hp) throw std::runtime_error("http_listen: not host:port: " + config_.http_listen);
  http::ServerOptions options;
  options.address = hp->host;
  options.port = hp->port;
  http_ = std::make_unique<http::HttpServer>(io_, options, &metrics_);
  // Collected on the io thread, which owns everything it reads.
  metrics_.on_collect([this] {
    net::export_socket_gauges(metrics_);
    const TimeMs now = clock_.now_ms();
    export_status_metrics(agent_status(config_.host, streams_, window_, now), now, *checkpoint_,
                          link_->connected(), metrics_);
  });
  auto started = http_->start();
  if (!started) {
    // Metrics are not worth stopping delivery for: say so loudly and ship on.
    spdlog::error("cannot serve http on {}: {}; running without /metrics", config_.http_listen,
                  started.error().message());
    http_.reset();
    return;
  }
  spdlog::info("metrics on http://{}:{}/metrics", hp->host, http_->port());
}

}  // namespace ferry::agent
