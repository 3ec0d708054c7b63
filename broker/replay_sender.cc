#include "broker/replay_sender.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/base/utc_time.h"
#include "common/storage/key_codec.h"

namespace ferry::broker {
namespace {

constexpr size_t kPageBatches = 64;
constexpr uint64_t kPageBytes = 1u << 20;
constexpr size_t kPageScanned = 20'000;
constexpr auto kPersistEvery = std::chrono::milliseconds(200);

bool listed(const std::vector<std::string>& names, const std::string& name) {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

std::string describe_bytes(uint64_t b) {
  if (b == 0) return "no byte cap";
  return std::to_string(b >> 20) + " MiB";
}

}  // namespace

uint64_t ReplaySender::rate_of(const Job& job) const {
  uint64_t r = job.durable.request.rate_bytes_per_s;
  return r > 0 ? r : deps_.default_rate_bytes;
}

std::vector<wire::ReplayMissing> ReplaySender::missing_at_start(
    const wire::ReplayRequest& req) const {
  // Batches are committed after their events happened, so if nothing committed at or
  // after `from` was expired, nothing of the range was.
  std::vector<wire::ReplayMissing> out;
  const TimeMs through = deps_.store.expired_through_ms();
  if (through >= req.from_ms) {
    wire::ReplayMissing m;
    m.from_ms = req.from_ms;
    m.to_ms = std::min(req.to_ms, through + 1);
    m.reason = "broker " + deps_.node_id + " no longer holds batches committed up to " +
               format_iso_ms(through) + ": its retention (" +
               std::to_string(deps_.store.retention_ms() / 1000) + " s, " +
               describe_bytes(deps_.store.retention_bytes()) +
               ") dropped them; replay from the hosts for these";
    out.push_back(std::move(m));
  }
  return out;
}

ReplaySender::Job& ReplaySender::job_for(const wire::ReplayRequest& req) {
  auto& slot = jobs_[req.replay_id];
  if (slot) return *slot;
  slot = std::make_unique<Job>();
  auto stored = deps_.store.get_replay_job(req.replay_id);
  if (stored && stored.value()) {
    auto decoded = decode_replay_job(*stored.value());
    if (decoded) {
      slot->durable = std::move(decoded).value();
      slot->send_cursor = slot->durable.committed_cursor;
      spdlog::info("replay {}: resuming ({}), {} streams committed so far", req.replay_id,
                   wire::replay_state_name(slot->durable.state), slot->durable.counts.size());
      return *slot;
    }
    spdlog::error("replay {}: stored state unreadable, starting over (the consumer deduplicates)",
                  req.replay_id);
  }
  slot->durable.request = req;
  slot->durable.missing = missing_at_start(req);
  spdlog::info("replay {}: starting, {} .. {}, {} hosts, {} categories listed", req.replay_id,
               format_iso_ms(req.from_ms), format_iso_ms(req.to_ms), req.hosts.size(),
               req.categories.size());
  persist(*slot);
  return *slot;
}

void ReplaySender::on_request(const wire::ReplayRequest& req, net::FrameConnection&) {
  Job& job = job_for(req);
  if (req.action == wire::ReplayAction::kCancel &&
      job.durable.state == wire::ReplayState::kRunning) {
    job.durable.state = wire::ReplayState::kCancelled;
    job.inflight.clear();
    job.inflight_bytes = 0;
    spdlog::info("replay {}: cancelled by the consumer", req.replay_id);
    persist(job);
  }
  job.refilled = std::chrono::steady_clock::now();
  report_now_.insert(req.replay_id);
  finish_if_done(job);
}

void ReplaySender::reset() {
  for (auto& [id, job] : jobs_) {
    job->inflight.clear();
    job->inflight_bytes = 0;
    job->send_cursor = job->durable.committed_cursor;
    job->scan_done = false;
  }
}

bool ReplaySender::matches(const Job& job, const wire::BatchFrame& b) const {
  const auto& r = job.durable.request;
  return listed(r.hosts, b.header.host) && listed(r.categories, b.header.category) &&
         b.header.max_time_ms >= r.from_ms && b.header.min_time_ms < r.to_ms;
}

std::optional<std::chrono::milliseconds> ReplaySender::pump(net::FrameConnection& conn) {
  std::optional<std::chrono::milliseconds> next;
  auto sooner = [&next](std::chrono::milliseconds d) { next = next ? std::min(*next, d) : d; };
  const auto now = std::chrono::steady_clock::now();
  const uint64_t window = deps_.window_bytes;
  for (auto& [id, jp] : jobs_) {
    Job& job = *jp;
    if (job.durable.state != wire::ReplayState::kRunning || job.scan_done) continue;
    if (job.inflight_bytes >= window) continue;  // an ack wakes the link
    const double rate = static_cast<double>(rate_of(job));
    const double cap = std::max(rate / 4, 256.0 * 1024);
    const double dt = std::chrono::duration<double>(now - job.refilled).count();
    job.tokens = std::min(cap, job.tokens + rate * std::max(0.0, dt));
    job.refilled = now;
    if (job.tokens <= 0) {
      sooner(std::chrono::milliseconds(1 + static_cast<int64_t>(-job.tokens * 1000 / rate)));
      continue;
    }
    const auto& r = job.durable.request;
    store::ReplayQuery query;
    query.from_ms = r.from_ms;
    query.to_ms = r.to_ms;
    if (r.hosts.size() == 1) query.host = r.hosts[0];
    if (r.categories.size() == 1) query.category = r.categories[0];
    store::ScanLimits limits{
        kPageBatches, std::min<uint64_t>(kPageBytes, window - job.inflight_bytes), kPageScanned};
    auto page = deps_.store.scan_retained(query, job.send_cursor, limits);
    if (!page) {
      spdlog::error("replay {}: scanning retention failed: {}", id, page.error().message());
      sooner(std::chrono::milliseconds(1000));
      continue;
    }
    bool stopped = false;
    for (auto& b : page.value().batches) {
      if (job.tokens <= 0 || job.inflight_bytes >= window) {
        stopped = true;
        break;
      }
      job.send_cursor = b.key;
      if (!matches(job, b.frame)) continue;
      auto& h = b.frame.header;
      h.replay_id = id;
      conn.send(wire::encode(b.frame));
      job.inflight[b.key] = Sent{h.payload_size, h.event_count, h.host, h.category, false};
      job.inflight_bytes += h.payload_size;
      job.tokens -= h.payload_size;
      ++job.sent_batches;
    }
    if (!stopped) {
      job.send_cursor = page.value().cursor;
      if (page.value().end) job.scan_done = true;
    }
    job.changed = true;
    finish_if_done(job);
    if (!job.scan_done) sooner(std::chrono::milliseconds(0));
  }
  return next;
}

void ReplaySender::on_committed(const wire::ReplayCommitted& ack) {
  auto it = jobs_.find(ack.replay_id);
  if (it == jobs_.end()) return;  // settled already, or a job of an earlier connection
  Job& job = *it->second;
  for (const auto& range : ack.ranges) {
    for (uint64_t seq = range.first_seq; seq <= range.last_seq && seq - range.first_seq < 1'000'000;
         ++seq) {
      auto s = job.inflight.find(
          storage::stream_seq_key(range.host, range.category, range.incarnation, seq));
      if (s != job.inflight.end()) s->second.committed = true;
    }
  }
  // The cursor moves over the committed run at the front only: everything before it is
  // committed, whatever order the acks came in.
  bool moved = false;
  while (!job.inflight.empty() && job.inflight.begin()->second.committed) {
    auto front = job.inflight.begin();
    auto& c = job.durable.counts[{front->second.host, front->second.category}];
    c.host = front->second.host;
    c.category = front->second.category;
    c.batches += 1;
    c.events += front->second.events;
    job.inflight_bytes -= front->second.bytes;
    job.durable.committed_cursor = front->first;
    job.inflight.erase(front);
    moved = true;
  }
  if (!moved) return;
  job.changed = true;
  job.persist_due = true;
  if (std::chrono::steady_clock::now() - job.last_persist >= kPersistEvery) persist(job);
  finish_if_done(job);
}

void ReplaySender::finish_if_done(Job& job) {
  if (job.durable.state != wire::ReplayState::kRunning || !job.scan_done || !job.inflight.empty())
    return;
  job.durable.state = wire::ReplayState::kDone;
  uint64_t events = 0;
  for (const auto& [k, c] : job.durable.counts) events += c.events;
  spdlog::info("replay {}: done, {} events of {} streams committed", job.durable.request.replay_id,
               events, job.durable.counts.size());
  persist(job);
  report_now_.insert(job.durable.request.replay_id);
}

void ReplaySender::persist(Job& job) {
  job.persist_due = false;
  job.last_persist = std::chrono::steady_clock::now();
  const uint64_t id = job.durable.request.replay_id;
  // A synced write: on the store pool, in order, never on the io thread.
  asio::post(deps_.store_pool, [&store = deps_.store, id, bytes = encode_replay_job(job.durable)] {
    auto r = store.put_replay_job(id, bytes);
    if (!r) spdlog::error("replay {}: persisting its state failed: {}", id, r.error().message());
  });
}

wire::ReplayProgress ReplaySender::progress_of(const Job& job) const {
  wire::ReplayProgress p{job.durable.request.replay_id, job.durable.state, {}, job.durable.missing};
  for (const auto& [k, c] : job.durable.counts) {
    if (p.streams.size() >= wire::kMaxReplayStreams) break;
    p.streams.push_back(c);
  }
  if (p.missing.size() > wire::kMaxReplayMissing) p.missing.resize(wire::kMaxReplayMissing);
  return p;
}

void ReplaySender::flush_progress(net::FrameConnection& conn) {
  for (auto& [id, job] : jobs_) {
    if (job->persist_due) persist(*job);
    if (!job->changed && !report_now_.count(id)) continue;
    job->changed = false;
    conn.send(wire::encode(progress_of(*job)));
  }
  report_now_.clear();
}

size_t ReplaySender::running() const {
  size_t n = 0;
  for (const auto& [id, job] : jobs_) n += job->durable.state == wire::ReplayState::kRunning;
  return n;
}

nlohmann::json ReplaySender::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, job] : jobs_) {
    uint64_t batches = 0, events = 0;
    for (const auto& [k, c] : job->durable.counts) {
      batches += c.batches;
      events += c.events;
    }
    const auto& r = job->durable.request;
    out.push_back({{"replay_id", id},
                   {"state", wire::replay_state_name(job->durable.state)},
                   {"from_ms", r.from_ms},
                   {"to_ms", r.to_ms},
                   {"rate_bytes_per_s", rate_of(*job)},
                   {"sent_batches", job->sent_batches},
                   {"committed_batches", batches},
                   {"committed_events", events},
                   {"inflight_bytes", job->inflight_bytes},
                   {"missing", job->durable.missing.size()}});
  }
  return out;
}

}  // namespace ferry::broker
