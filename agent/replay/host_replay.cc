#include "agent/replay/host_replay.h"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "agent/replay/replay_job_record.h"
#include "agent/replay/replay_scan_reader.h"
#include "agent/replay/replay_snapshot.h"
#include "common/base/utc_time.h"

namespace ferry::agent::replay {
namespace {

bool listed(const std::vector<std::string>& names, const std::string& name) {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

HostReplays::HostReplays(HostReplayOptions options, const std::vector<SourceConfig>& sources,
                         const FileHours& hours, BatchEncoder& encoder, const Clock& clock,
                         SendFn send)
    : options_(std::move(options)),
      sources_(sources),
      hours_(hours),
      encoder_(encoder),
      clock_(clock),
      send_(std::move(send)) {
  forget_old_snapshots();
}

HostReplays::~HostReplays() = default;

void HostReplays::forget_old_snapshots() {
  // A snapshot is needed while its replay may still be asked for; replays are not kept
  // running for weeks.
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24 * 8);
  for (const auto& e : fs::directory_iterator(options_.state_dir + "/replays", ec)) {
    std::error_code stat_ec;
    if (e.path().extension() == ".json" && e.last_write_time(stat_ec) < cutoff && !stat_ec)
      fs::remove(e.path(), stat_ec);
  }
}

bool HostReplays::active() const {
  for (const auto& [id, job] : jobs_) {
    if (job->state == wire::ReplayState::kRunning) return true;
  }
  return false;
}

HostReplays::Job* HostReplays::load_or_create(const wire::ReplayRequest& req) {
  auto& slot = jobs_[req.replay_id];
  if (slot) return slot.get();
  auto job = std::make_unique<Job>();
  job->request = req;
  const std::string dir = options_.state_dir + "/replays";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Saving the job's record will fail too and say so; this names the cause.
  if (ec) spdlog::error("replay {}: cannot create {}: {}", req.replay_id, dir, ec.message());
  job->snapshot_path = dir + "/" + std::to_string(req.replay_id) + ".json";
  auto stored = load_record(*job, options_.host);  // files by category
  const bool from_disk = stored.has_value();
  for (const auto& src : sources_) {
    if (!listed(req.categories, src.category)) continue;
    auto scan = std::make_unique<Job::Scan>();
    scan->source = &src;
    if (from_disk) {
      scan->files = (*stored)[src.category];
    } else {
      SourceSnapshot snap = take_snapshot(src.paths, req.replay_id);
      for (auto& gone : files_gone(snap, src, hours_, req, options_.host))
        job->gaps.push_back(std::move(gone));
      scan->files = std::move(snap.files);
    }
    rewind(*scan, options_.max_event_bytes, options_.batch_max_bytes);
    job->scans.push_back(std::move(scan));
  }
  if (!from_disk) persist(*job);  // the snapshot is durable before any batch of it leaves
  size_t n = 0;
  for (const auto& s : job->scans) n += s->files.size();
  spdlog::info("replay {} from this host's files: {} .. {}, {} sources, {} files{}", req.replay_id,
               format_iso_ms(req.from_ms), format_iso_ms(req.to_ms), job->scans.size(), n,
               from_disk
                   ? std::string(" (snapshot of ") +
                         std::string(wire::replay_state_name(job->state)) + " replay reloaded)"
                   : "");
  slot = std::move(job);
  return slot.get();
}

void HostReplays::on_request(const wire::ReplayRequest& req) {
  if (!listed(req.hosts, options_.host)) return;
  if (req.action == wire::ReplayAction::kCancel && !jobs_.count(req.replay_id) &&
      !std::filesystem::exists(options_.state_dir + "/replays/" + std::to_string(req.replay_id) +
                               ".json")) {
    return;  // never started here: nothing to snapshot or stop
  }
  Job* job = load_or_create(req);
  if (job->state != wire::ReplayState::kRunning) {
    job->changed = true;  // tell the broker again how it ended
    return;
  }
  if (req.action == wire::ReplayAction::kCancel) {
    job->state = wire::ReplayState::kCancelled;
    job->queue.clear();
    job->inflight.clear();
    job->inflight_bytes = 0;
    for (auto& s : job->scans) s->close_file();
    persist(*job);
    job->changed = true;
    spdlog::info("replay {}: cancelled", req.replay_id);
    return;
  }
  // A start for a running replay: whatever was in flight may be lost on the way, so cut
  // everything again from the start; the consumer drops what it committed already.
  job->request.rate_bytes_per_s = req.rate_bytes_per_s;
  rewind_job(*job);
  finish_if_done(*job);
}

void HostReplays::rewind_job(Job& job) {
  for (auto& s : job.scans) rewind(*s, options_.max_event_bytes, options_.batch_max_bytes);
  job.queue.clear();
  job.inflight.clear();
  job.inflight_bytes = 0;
  job.changed = true;
}

void HostReplays::on_disconnected() {
  // Unacked batches may be lost with the connection: start over (the consumer drops
  // what it committed already).
  for (auto& [id, job] : jobs_) {
    if (job->state == wire::ReplayState::kRunning) rewind_job(*job);
  }
}

void HostReplays::on_committed(const wire::ReplayCommitted& ack) {
  auto it = jobs_.find(ack.replay_id);
  if (it == jobs_.end()) return;
  Job& job = *it->second;
  for (const auto& r : ack.ranges) {
    if (r.host != options_.host) continue;
    for (uint64_t seq = r.first_seq; seq <= r.last_seq && seq - r.first_seq < 1'000'000; ++seq) {
      auto s = job.inflight.find({r.category, seq});
      if (s == job.inflight.end()) continue;
      job.committed[r.category][seq] = s->second.events;
      job.inflight_bytes -= s->second.bytes;
      job.inflight.erase(s);
      job.changed = true;
    }
  }
  finish_if_done(job);
}

void HostReplays::finish_if_done(Job& job) {
  if (job.state != wire::ReplayState::kRunning || !job.inflight.empty() || !job.queue.empty())
    return;
  for (const auto& s : job.scans) {
    if (!s->finished) return;
  }
  const auto& r = job.request;
  job.missing = job.gaps;
  for (const auto& s : job.scans) {
    for (const auto& lost : s->lost) job.missing.push_back(lost);
  }
  job.state = wire::ReplayState::kDone;
  uint64_t events = 0;
  for (const auto& [category, seqs] : job.committed) {
    for (const auto& [seq, n] : seqs) events += n;
  }
  spdlog::info("replay {}: done, {} events committed, {} ranges missing", r.replay_id, events,
               job.missing.size());
  persist(job);
  job.changed = true;
}

std::optional<std::chrono::milliseconds> HostReplays::pump() {
  std::optional<std::chrono::milliseconds> next;
  auto sooner = [&next](std::chrono::milliseconds d) { next = next ? std::min(*next, d) : d; };
  const auto now = std::chrono::steady_clock::now();
  for (auto& [id, jp] : jobs_) {
    Job& job = *jp;
    if (job.state != wire::ReplayState::kRunning) continue;
    const uint64_t rate = job.request.rate_bytes_per_s > 0 ? job.request.rate_bytes_per_s
                                                           : options_.default_rate_bytes;
    const double cap = std::max(static_cast<double>(rate) / 4, 256.0 * 1024);
    const double dt = std::chrono::duration<double>(now - job.refilled).count();
    job.tokens = std::min(cap, job.tokens + static_cast<double>(rate) * std::max(0.0, dt));
    job.refilled = now;
    // Sends cut batches while the window and the rate allow; true if the queue emptied.
    auto drain = [&] {
      while (!job.queue.empty() && job.tokens > 0 && job.inflight_bytes < options_.window_bytes) {
        auto& b = job.queue.front();
        job.inflight[{b.category, b.seq}] =
            Job::Sent{static_cast<uint32_t>(b.frame.size()), b.events};
        job.inflight_bytes += b.frame.size();
        job.tokens -= static_cast<double>(b.frame.size());
        send_(std::move(b.frame));
        job.queue.pop_front();
      }
      return job.queue.empty();
    };
    for (auto& sp : job.scans) {
      Job::Scan& s = *sp;
      while (drain() && !s.finished && job.state == wire::ReplayState::kRunning && job.tokens > 0 &&
             job.inflight_bytes < options_.window_bytes) {
        if (s.index >= s.files.size()) {
          s.finished = true;
          break;
        }
        read_next_chunk(job, s, encoder_, options_, clock_);
      }
      if (!s.finished) break;  // files in order: the next source waits for this one
    }
    drain();
    job.changed = true;
    finish_if_done(job);
    if (job.state != wire::ReplayState::kRunning || job.inflight_bytes >= options_.window_bytes)
      continue;
    if (job.tokens <= 0) {
      sooner(std::chrono::milliseconds(
          1 + static_cast<int64_t>(-job.tokens * 1000 / static_cast<double>(rate))));
    } else {
      bool reading = !job.queue.empty();
      for (const auto& s : job.scans) reading |= !s->finished;
      if (reading) sooner(std::chrono::milliseconds(0));
    }
  }
  return next;
}

void HostReplays::report(bool all) {
  for (auto& [id, jp] : jobs_) {
    Job& job = *jp;
    if (!all && !job.changed) continue;
    job.changed = false;
    wire::ReplayProgress p{id, job.state, {}, job.missing};
    if (job.state == wire::ReplayState::kRunning) {  // known so far
      p.missing = job.gaps;
      for (const auto& s : job.scans)
        p.missing.insert(p.missing.end(), s->lost.begin(), s->lost.end());
    }
    for (const auto& s : job.scans) {
      const std::string& category = s->source->category;
      wire::ReplayStreamCount c{options_.host, category, 0, 0};
      if (auto r = job.restored.find(category); r != job.restored.end()) {
        c.batches = r->second.first;
        c.events = r->second.second;
      }
      if (auto it = job.committed.find(category); it != job.committed.end()) {
        c.batches = std::max<uint64_t>(c.batches, it->second.size());
        uint64_t events = 0;
        for (const auto& [seq, n] : it->second) events += n;
        c.events = std::max(c.events, events);
      }
      p.streams.push_back(std::move(c));
    }
    if (p.missing.size() > wire::kMaxReplayMissing) p.missing.resize(wire::kMaxReplayMissing);
    send_(wire::encode(p));
  }
}

}  // namespace ferry::agent::replay
