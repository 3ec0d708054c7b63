#include "agent/agent_app.h"

#include "agent/event/line_splitter.h"
#include "common/log/printable.h"

#include <glob.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>

#include "agent/checkpoint/state_dir_lock.h"
#include "agent/tail/errc.h"
#include "common/batch/payload.h"
#include "common/net/endpoint.h"
#include "common/net/tls_server.h"
#include "common/tls/context_source.h"
#include "common/wire/messages.h"

namespace ferry::agent {
namespace {

constexpr size_t kMaxReadPerPass = 1u << 20;

// Whether `interval` has passed since `since`; a clock that stepped back counts as passed,
// so that a wall clock set back never stalls polls or linger cuts.
bool elapsed(TimeMs now, TimeMs since, std::chrono::milliseconds interval) {
  return now < since || now - since >= interval.count();
}

}  // namespace

AgentApp::AgentApp(AgentConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      window_(config_.window_batches, config_.window_bytes),
      zstd_(config_.zstd_level) {}

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
    throw std::runtime_error("cannot load the agent checkpoint " + state_path + " (" + cp.error().message() +
                             "). Both copies are damaged; starting over would reuse sequence numbers and make "
                             "the consumer drop new events as duplicates. Move the state directory aside only "
                             "together with the consumer's record of this host.");
  }
  checkpoint_ = std::move(cp).value();
  window_.set_incarnation(checkpoint_->state().incarnation);
  spdlog::info("agent state {} is incarnation {}", config_.state_dir, checkpoint_->state().incarnation);
  if (checkpoint_->loaded_from() == checkpoint::Checkpoint::Source::kFresh) {
    spdlog::warn("agent state {} is new: every file matching the sources' globs is read from its start. If this "
                 "host shipped before under another state (a wiped state dir, a reimage), the lines of those files "
                 "arrive again as a new incarnation: nothing is lost, some lines may repeat",
                 config_.state_dir);
  }
  if (checkpoint_->loaded_from() == checkpoint::Checkpoint::Source::kPrevious) {
    spdlog::error("checkpoint {} was torn or corrupt: resumed from the previous copy {}; batches recorded "
                  "after it will be read and sent again (downstream deduplicates)",
                  state_path, checkpoint_->prev_path());
  }

  for (const auto& src : config_.sources) {
    tail::SourceOptions so;
    so.category = src.category;
    so.globs = src.paths;
    so.max_event_bytes = config_.max_event_bytes;
    so.rotate_wait_ms = config_.rotate_wait.count();
    so.time_zone = src.time_zone;
    spdlog::info("[{}] RFC 3164 timestamps are read in time zone {}", src.category, src.time_zone->name());
    Stream s;
    s.watcher = std::make_unique<tail::SourceWatcher>(so, clock_);
    s.builder = batch::BatchBuilder(config_.batch_max_bytes);
    std::vector<tail::ResumePoint> resume;
    for (const auto& p : checkpoint_->positions(src.category)) {
      resume.push_back({p.file, p.offset, p.line_time_ms, p.path});
    }
    s.watcher->add_resume_points(resume);
    auto started = s.watcher->start();
    if (!started) throw std::runtime_error("cannot watch " + src.category + ": " + started.error().message());
    if (s.watcher->inotify_fd() >= 0) waker_.watch_readable(s.watcher->inotify_fd());
    streams_.emplace(src.category, std::move(s));
  }
  resend_unacked();

  send::BrokerLinkOptions lo;
  lo.host = config_.host;
  lo.dc = config_.dc;
  lo.brokers = config_.brokers;
  lo.tuning = config_.tuning;
  lo.max_frame_bytes = config_.max_frame_bytes;
  link_ = std::make_unique<send::BrokerLink>(io_.get_executor(), *tls_, lo, window_,
                                             [this](std::vector<send::InflightBatch> b) { on_delivered(std::move(b)); },
                                             [this](std::vector<send::InflightBatch> b, const wire::Refusal& r) {
                                               on_refused(std::move(b), r);
                                             });
  link_->start();
  if (config_.zookeeper.enabled()) {
    discovery_ = std::make_unique<send::BrokerDiscovery>(io_.get_executor(), config_.zookeeper, config_.host,
                                                         config_.dc, config_.brokers, *link_);
    discovery_->start();
  }
  setup_http();
  asio::co_spawn(io_, pump_loop(this), net::log_exception);
  asio::co_spawn(io_, status_loop(this), net::log_exception);
  hangup_.start();
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (!ec) {
      spdlog::info("signal {}: stop reading, waiting up to {} ms for acks", sig, config_.shutdown_timeout.count());
      stop();
    }
  });
  spdlog::info("agent {} (dc {}) tailing {} sources, {} unacked batches to resend", config_.host, config_.dc,
               streams_.size(), window_.size());
}

int AgentApp::run() {
  io_.run();
  return 0;
}

void AgentApp::stop() {
  if (stopping_) return;
  stopping_ = true;
  reading_stopped_ = true;
  stop_deadline_ms_ = clock_.now_ms() + config_.shutdown_timeout.count();
  waker_.wake();
}

void AgentApp::resend_unacked() {
  // Same seq, same byte range, same events: re-read exactly what was recorded.
  for (const auto& category : checkpoint_->streams()) {
    auto it = streams_.find(category);
    if (it == streams_.end()) {
      spdlog::warn("checkpoint has unacked batches of category {} which is no longer configured", category);
      continue;
    }
    for (const auto& [seq, rec] : checkpoint_->unacked(category)) {
      auto& watcher = *it->second.watcher;
      auto chunk = watcher.reread(rec.file, rec.offset, rec.length, rec.min_time_ms);
      if (!chunk && chunk.error() == tail::Errc::kFileGone) {
        // Copytruncated since the watcher's start: its copy, found by a poll, has the range.
        if (auto polled = watcher.poll(); polled) note_adopted_copies(category, it->second);
        chunk = watcher.reread(rec.file, rec.offset, rec.length, rec.min_time_ms);
      }
      batch::BatchBuilder b(std::numeric_limits<size_t>::max());
      if (!chunk) {
        // The file went while the agent was down. If a broker stored the batch, this
        // resend is deduplicated and the original wins; otherwise the marker fills the
        // seq, so the stream has no gap that would hold its hours open forever.
        spdlog::error("cannot re-read batch {}/{} ({} bytes at {} of {}): {}; those events are lost (counted as "
                      "unreadable); sending a [ferry:lost] marker in their place",
                      category, seq, rec.length, rec.offset, tail::to_string(rec.file), chunk.error().message());
        it->second.watcher->count_unreadable(rec.length);
        const std::string marker = std::string(event::kLostMarker) + "host=" + config_.host + " category=" +
                                   category + " seq=" + std::to_string(seq) + " bytes=" +
                                   std::to_string(rec.length) + " file=" + tail::to_string(rec.file) +
                                   " offset=" + std::to_string(rec.offset) + "\n";
        b.add(marker, rec.min_time_ms, rec.offset, rec.length);
        auto ib = make_batch(category, seq, b.take(), rec.file);
        if (ib) window_.add(std::move(ib).value());
        continue;
      }
      std::string rendered;
      for (const auto& e : chunk.value().events) {
        rendered.clear();
        event::append_rendered(e, chunk.value().source(e), rendered);
        // Keep the recorded hour: a line whose time moved (year inference) must not
        // move the batch out of its hour.
        TimeMs t = hour_start(e.time_ms) == hour_start(rec.min_time_ms) ? e.time_ms : rec.min_time_ms;
        b.add(rendered, t, e.offset, e.length);
      }
      auto built = b.take();
      auto ib = make_batch(category, seq, built, rec.file);
      if (!ib) {
        spdlog::error("cannot rebuild batch {}/{}: {}", category, seq, ib.error().message());
        continue;
      }
      window_.add(std::move(ib).value());
    }
  }
}

Result<send::InflightBatch> AgentApp::make_batch(const std::string& category, uint64_t seq,
                                                 const batch::BuiltBatch& built, const batch::FileIdentity& file) {
  wire::BatchFrame frame;
  frame.header.host = config_.host;
  frame.header.category = category;
  frame.header.seq = seq;
  frame.header.incarnation = checkpoint_->state().incarnation;
  frame.header.file = file;
  auto payload = batch::encode_payload(built, batch::Codec::kZstd, zstd_, frame.header);
  if (!payload) return payload.error();
  frame.payload = std::move(payload).value();
  if (auto ec = batch::validate_header(frame.header)) return ec;
  send::InflightBatch ib;
  ib.category = category;
  ib.seq = seq;
  ib.events = built.event_count;
  ib.min_time_ms = built.min_time_ms;
  ib.max_time_ms = built.max_time_ms;
  ib.frame = wire::encode(frame);
  return ib;
}

asio::awaitable<void> AgentApp::pump_loop(AgentApp* self) {
  self->last_poll_ms_ = self->clock_.now_ms() - self->config_.poll_interval.count();
  while (true) {
    bool busy = false;
    if (!self->reading_stopped_) busy = self->pump_once();
    if (self->stopping_) {
      if (self->window_.empty() || self->clock_.now_ms() >= self->stop_deadline_ms_) {
        if (!self->window_.empty()) {
          spdlog::warn("stopping with {} batches not yet DELIVERED; they are resent on restart", self->window_.size());
        }
        auto r = self->checkpoint_->flush();
        if (!r) spdlog::error("final checkpoint flush failed: {}", r.error().message());
        if (self->discovery_) self->discovery_->stop();
        self->link_->stop();
        self->signals_.cancel();
        self->hangup_.stop();
        self->io_.stop();
        co_return;
      }
    }
    bool poll_needed = false;
    for (auto& [category, s] : self->streams_) poll_needed |= s.watcher->needs_poll();
    if (busy || poll_needed) {
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
    if (!s.builder.empty()) wait = std::min(wait, s.opened_ms + config_.linger.count() - now);
  }
  if (stopping_) wait = std::min(wait, stop_deadline_ms_ - now);
  return std::chrono::milliseconds(std::clamp<TimeMs>(wait, 1, config_.poll_interval.count()));
}

bool AgentApp::pump_once() {
  const TimeMs now = clock_.now_ms();
  bool poll_due = elapsed(now, last_poll_ms_, config_.poll_interval);
  bool read_any = false;
  for (auto& [category, s] : streams_) {
    if (s.watcher->drain_inotify() || s.watcher->needs_poll()) poll_due = true;
  }
  if (poll_due) last_poll_ms_ = now;
  for (auto& [category, s] : streams_) {
    if (poll_due) {
      auto r = s.watcher->poll();
      if (!r) spdlog::warn("polling {} failed: {}", category, r.error().message());
      note_adopted_copies(category, s);
    }
    // Backpressure: only read while the window (including batches cut this pass) has
    // room. Memory is the window plus one batch per stream.
    while (window_.has_room() && cut_.size() < 16) {
      auto chunk = s.watcher->read_some(std::min<size_t>(kMaxReadPerPass, config_.batch_max_bytes));
      // A read can start a copy (its original found truncated): its position goes in
      // before any of its batches.
      note_adopted_copies(category, s);
      if (!chunk) {
        spdlog::warn("reading {} failed: {}", category, chunk.error().message());
        break;
      }
      if (chunk.value().empty()) break;
      read_any = true;
      const auto& c = chunk.value();
      std::string rendered;
      for (const auto& e : c.events) {
        rendered.clear();
        event::append_rendered(e, c.source(e), rendered);
        // A batch is one contiguous range of one file.
        if (!s.builder.empty() && (!(s.file == c.file) || s.builder.check(rendered.size(), e.time_ms) !=
                                                                 batch::BatchBuilder::Cut::kFits)) {
          cut(category, s);
        }
        if (s.builder.empty()) {
          s.file = c.file;
          s.path = c.path;
          s.opened_ms = clock_.now_ms();
        }
        s.builder.add(rendered, e.time_ms, e.offset, e.length);
      }
    }
    if (!s.builder.empty() && elapsed(clock_.now_ms(), s.opened_ms, config_.linger)) cut(category, s);
  }
  send_cut_batches();
  window_full_ = !window_.has_room();
  if (poll_due) release_finished_files();
  return read_any;
}

void AgentApp::note_adopted_copies(const std::string& category, Stream& s) {
  auto copies = s.watcher->take_adopted_copies();
  if (copies.empty()) return;
  // The events read from the original up to where its copy starts go into the
  // checkpoint with the copy's start: a restart must find either both or neither.
  if (!s.builder.empty()) cut(category, s);
  for (const auto& copy : copies) {
    checkpoint_->note_position(category, {copy.file, copy.offset, copy.line_time_ms, copy.path});
  }
}

void AgentApp::cut(const std::string& category, Stream& s) {
  auto built = s.builder.take();
  uint64_t seq = checkpoint_->next_seq(category);
  checkpoint::BatchRecord rec;
  rec.seq = seq;
  rec.file = s.file;
  rec.offset = built.file_offset;
  rec.length = built.file_length;
  rec.event_count = built.event_count;
  rec.min_time_ms = built.min_time_ms;
  rec.max_time_ms = built.max_time_ms;
  auto ib = make_batch(category, seq, built, s.file);
  if (!ib) {
    spdlog::critical("cannot encode batch {}/{}: {}", category, seq, ib.error().message());
    stop();
    return;
  }
  auto recorded = checkpoint_->record_batch(category, rec, s.path);
  if (!recorded) {
    spdlog::critical("cannot record batch {}/{}: {}", category, seq, recorded.error().message());
    stop();
    return;
  }
  s.last_sent_max_ms = std::max(s.last_sent_max_ms, built.max_time_ms);
  cut_.push_back(std::move(ib).value());
}

void AgentApp::send_cut_batches() {
  if (cut_.empty()) return;
  // The seq -> range mapping is durable before any of these batches leaves the host.
  auto flushed = checkpoint_->flush();
  if (!flushed) {
    spdlog::critical("checkpoint flush failed: {}; not sending, stopping", flushed.error().message());
    cut_.clear();
    stop();
    return;
  }
  auto& sent = metrics_.counter("ferry_agent_sent_batches_total", "Batches recorded and sent (first sends)");
  auto& sent_events = metrics_.counter("ferry_agent_sent_events_total", "Events in first-sent batches");
  for (auto& b : cut_) {
    sent.inc();
    sent_events.inc(b.events);
    link_->send_batch(b);
    window_.add(std::move(b));
  }
  cut_.clear();
}

void AgentApp::on_delivered(std::vector<send::InflightBatch> batches) {
  auto& delivered = metrics_.counter("ferry_agent_delivered_batches_total", "Batches acked DELIVERED");
  auto& delivered_events = metrics_.counter("ferry_agent_delivered_events_total", "Events in batches acked DELIVERED");
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
    spdlog::error("broker refused batch {}/{} ({} events) for good and quarantined it: {}", b.category, b.seq,
                  b.events, log::printable(refusal.text));
    if (checkpoint_->mark_delivered(b.category, b.seq) > 0) {
      metrics_.counter("ferry_agent_refused_batches_total", "Batches a broker refused for good (quarantined)").inc();
      metrics_.counter("ferry_agent_refused_events_total", "Events in batches a broker refused for good").inc(b.events);
    }
  }
}

void AgentApp::release_finished_files() {
  for (auto& [category, s] : streams_) {
    for (const auto& file : s.watcher->finished_files()) {
      // By inode: batches recorded while the identity was still provisional count too.
      bool referenced = tail::same_inode(s.file, file) && !s.builder.empty();
      for (const auto& [seq, rec] : checkpoint_->unacked(category)) {
        if (tail::same_inode(rec.file, file)) {
          referenced = true;
          break;
        }
      }
      if (!referenced) {
        // The position stays in the checkpoint: after a restart, a rotated file that
        // still matches a glob (under any name) must resume at its end, not be read
        // again. prune_positions() drops it once the file is gone from the globs.
        s.watcher->release(file);
      }
    }
  }
}

void AgentApp::prune_positions() {
  for (const auto& src : config_.sources) {
    // Every file the globs match now, by device and inode (names shift in rotation).
    std::set<std::pair<uint64_t, uint64_t>> present;
    for (const auto& pattern : src.paths) {
      glob_t g{};
      if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          struct stat st {};
          if (::stat(g.gl_pathv[i], &st) == 0) present.insert({st.st_dev, st.st_ino});
        }
      }
      globfree(&g);
    }
    std::vector<batch::FileIdentity> gone;
    for (const auto& p : checkpoint_->positions(src.category)) {
      if (present.count({p.file.dev, p.file.ino})) continue;
      bool referenced = false;
      for (const auto& [seq, rec] : checkpoint_->unacked(src.category)) referenced |= tail::same_inode(rec.file, p.file);
      for (const auto& t : streams_.at(src.category).watcher->files()) referenced |= tail::same_inode(t.file, p.file);
      if (!referenced) gone.push_back(p.file);
    }
    for (const auto& f : gone) checkpoint_->forget_file(src.category, f);
  }
}

asio::awaitable<void> AgentApp::status_loop(AgentApp* self) {
  asio::steady_timer timer(self->io_);
  while (!self->io_.stopped()) {
    self->send_status();
    self->prune_positions();
    auto r = self->checkpoint_->flush();  // persists DELIVERED marks
    if (!r) spdlog::warn("checkpoint flush failed: {}", r.error().message());
    timer.expires_after(self->config_.status_interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

wire::Status AgentApp::current_status(TimeMs now) {
  auto counts = window_.counts();
  wire::Status status;
  status.host = config_.host;
  status.sent_at_ms = now;
  for (auto& [category, s] : streams_) {
    wire::StreamStatus ss;
    ss.category = category;
    auto it = counts.find(category);
    if (it != counts.end()) {
      ss.unacked_events = it->second.unacked_events;
      ss.unacked_batches = it->second.unacked_batches;
      ss.oldest_unacked_ms = it->second.oldest_unacked_ms;
    }
    ss.backlog_bytes = s.watcher->backlog_bytes();
    ss.unreadable_bytes = s.watcher->unreadable_bytes();
    // Watermark: an idle, caught-up stream has sent everything up to now; otherwise
    // everything before the oldest event not yet in a sent batch (lines of a file are
    // taken to be in time order).
    TimeMs wm;
    if (s.builder.empty() && ss.backlog_bytes == 0) {
      wm = now - 1000;
    } else if (!s.builder.empty()) {
      wm = s.builder.min_time();
    } else {
      wm = s.last_sent_max_ms;
    }
    ss.watermark_ms = wm;
    status.streams.push_back(ss);
  }
  return status;
}

void AgentApp::send_status() {
  const wire::Status status = current_status(clock_.now_ms());
  for (const auto& ss : status.streams) {
    uint64_t sent_through = checkpoint_->next_seq(ss.category) - 1;
    if (sent_through > 0 && ss.watermark_ms > 0) {
      link_->send_side(wire::encode(wire::Watermark{config_.host, ss.category, sent_through, ss.watermark_ms,
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
  metrics_.on_collect([this] { export_metrics(); });
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

void AgentApp::export_metrics() {
  const TimeMs now = clock_.now_ms();
  const wire::Status status = current_status(now);
  const std::vector<std::string> labels{"category"};
  auto& unacked_events = metrics_.gauge_family("ferry_agent_unacked_events", "Events sent and not yet DELIVERED", labels);
  auto& unacked_batches = metrics_.gauge_family("ferry_agent_unacked_batches", "Batches sent and not yet DELIVERED", labels);
  auto& backlog = metrics_.gauge_family("ferry_agent_backlog_bytes", "Bytes of tailed files not yet read", labels);
  auto& unreadable = metrics_.gauge_family(
      "ferry_agent_unreadable_bytes", "Bytes deleted or truncated before they could be read, since start", labels);
  auto& oldest = metrics_.gauge_family("ferry_agent_oldest_unacked_age_seconds",
                                       "Age of the oldest event not yet DELIVERED (0 when none)", labels);
  auto& watermark = metrics_.gauge_family("ferry_agent_watermark_seconds",
                                          "Time before which every event of the stream was sent", labels);
  auto& next_seq = metrics_.gauge_family("ferry_agent_next_seq", "Next batch sequence number of the stream", labels);
  for (const auto& ss : status.streams) {
    const metrics::LabelValues l{ss.category};
    unacked_events.set(l, static_cast<double>(ss.unacked_events));
    unacked_batches.set(l, static_cast<double>(ss.unacked_batches));
    backlog.set(l, static_cast<double>(ss.backlog_bytes));
    unreadable.set(l, static_cast<double>(ss.unreadable_bytes));
    oldest.set(l, ss.oldest_unacked_ms > 0 ? static_cast<double>(now - ss.oldest_unacked_ms) / 1000.0 : 0.0);
    watermark.set(l, static_cast<double>(ss.watermark_ms) / 1000.0);
    next_seq.set(l, static_cast<double>(checkpoint_->next_seq(ss.category)));
  }
  metrics_.gauge("ferry_agent_broker_connected", "1 while a broker connection is up").set(link_->connected() ? 1 : 0);
  metrics_.gauge("ferry_agent_clamped_event_times_total",
                 "Events whose own time was outside 7 days back / 1 hour ahead of their read time, given the read time")
      .set(static_cast<double>(event::clamped_event_times()));
}

}  // namespace ferry::agent
