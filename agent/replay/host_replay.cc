#include "agent/replay/host_replay.h"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "agent/replay/replay_job_record.h"
#include "agent/replay/replay_snapshot.h"
#include "agent/tail/file_identity.h"
#include "agent/tail/range_reader.h"
#include "common/base/utc_time.h"

namespace ferry::agent::replay {
namespace {

constexpr size_t kReadChunk = 256u << 10;

bool listed(const std::vector<std::string>& names, const std::string& name) {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

HostReplays::HostReplays(HostReplayOptions options, const std::vector<SourceConfig>& sources, const FileHours& hours,
                         BatchEncoder& encoder, const Clock& clock, SendFn send)
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
    if (e.path().extension() == ".json" && e.last_write_time(stat_ec) < cutoff && !stat_ec) fs::remove(e.path(), stat_ec);
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
      for (auto& gone : files_gone(snap, src, hours_, req, options_.host)) job->gaps.push_back(std::move(gone));
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
               from_disk ? std::string(" (snapshot of ") + std::string(wire::replay_state_name(job->state)) +
                               " replay reloaded)"
                         : "");
  slot = std::move(job);
  return slot.get();
}

void HostReplays::on_request(const wire::ReplayRequest& req) {
  if (!listed(req.hosts, options_.host)) return;
  if (req.action == wire::ReplayAction::kCancel && !jobs_.count(req.replay_id) &&
      !std::filesystem::exists(options_.state_dir + "/replays/" + std::to_string(req.replay_id) + ".json")) {
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
  if (job.state != wire::ReplayState::kRunning || !job.inflight.empty() || !job.queue.empty()) return;
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
  spdlog::info("replay {}: done, {} events committed, {} ranges missing", r.replay_id, events, job.missing.size());
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
    const uint64_t rate = job.request.rate_bytes_per_s > 0 ? job.request.rate_bytes_per_s : options_.default_rate_bytes;
    const double cap = std::max(static_cast<double>(rate) / 4, 256.0 * 1024);
    const double dt = std::chrono::duration<double>(now - job.refilled).count();
    job.tokens = std::min(cap, job.tokens + static_cast<double>(rate) * std::max(0.0, dt));
    job.refilled = now;
    auto cut = [&](Job::Scan& s) {
      auto built = s.builder->take();
      const uint64_t seq = s.next_seq++;
      auto ib = encoder_.encode(s.source->category, seq, built, s.id, id);
      if (!ib) {
        spdlog::error("replay {}: cannot encode batch {}/{}: {}", id, s.source->category, seq, ib.error().message());
        job.state = wire::ReplayState::kFailed;
        return;
      }
      job.queue.push_back(std::move(ib).value());
    };
    // Sends cut batches while the window and the rate allow; true if the queue emptied.
    auto drain = [&] {
      while (!job.queue.empty() && job.tokens > 0 && job.inflight_bytes < options_.window_bytes) {
        auto& b = job.queue.front();
        job.inflight[{b.category, b.seq}] = Job::Sent{static_cast<uint32_t>(b.frame.size()), b.events};
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
        const FileRef& f = s.files[s.index];
        auto next_file = [&] {
          if (!s.builder->empty()) cut(s);
          s.close_file();
          ++s.index;
          s.offset = 0;
          s.splitter->reset();
        };
        if (s.fd < 0) {
          s.fd = open_snapshot_file(f, s.source->paths);
          if (s.fd < 0) {
            s.lost.push_back({options_.host, s.source->category, job.request.from_ms, job.request.to_ms,
                              "file " + f.path + " of host " + options_.host +
                                  " was deleted or truncated during the replay: its lines are not in it"});
            next_file();
            continue;
          }
          auto prefix = tail::pread_exact(s.fd, 0, std::min<uint64_t>(f.size, tail::kFingerprintBytes));
          s.id = batch::FileIdentity{f.dev, f.ino, prefix ? tail::make_fingerprint(prefix.value()) : 0};
          if (f.gzip) s.gz = std::make_unique<GzipStream>(s.fd, f.size);
        }
        const uint64_t chunk = std::max(kReadChunk, 2 * options_.max_event_bytes);
        Result<std::string> bytes = std::string();
        if (f.gzip) {
          // Decompressed in order, never all at once: what the splitter left over (a line
          // cut by the chunk's end) plus the next decompressed chunk.
          if (!s.gz_ended && s.pending.size() < chunk && !s.gz->read(chunk - s.pending.size(), s.pending)) {
            s.gz_ended = true;
            if (!s.gz->error().empty()) {
              s.lost.push_back({options_.host, s.source->category, job.request.from_ms, job.request.to_ms,
                                "compressed file " + f.path + " of host " + options_.host + " is damaged (" +
                                    s.gz->error() + "): its lines from there on are not in the replay"});
            }
          }
          if (s.gz_ended && s.pending.empty()) {
            next_file();
            continue;
          }
          bytes = std::move(s.pending);
        } else {
          if (s.offset >= f.size) {
            next_file();
            continue;
          }
          bytes = tail::pread_exact(s.fd, s.offset, std::min<uint64_t>(f.size - s.offset, chunk));
        }
        if (!bytes) {
          s.lost.push_back({options_.host, s.source->category, job.request.from_ms, job.request.to_ms,
                            "reading " + f.path + " failed: " + bytes.error().message()});
          next_file();
          continue;
        }
        std::vector<event::Event> events;
        const size_t used = s.splitter->split(bytes.value(), s.offset, clock_.now_ms(), false, events);
        std::string rendered;
        for (const auto& e : events) {
          const bool in_range = e.time_ms >= job.request.from_ms && e.time_ms < job.request.to_ms;
          if (!in_range) {
            if (!s.builder->empty()) cut(s);
            continue;
          }
          rendered.clear();
          event::append_rendered(e, std::string_view(bytes.value()).substr(e.offset - s.offset, e.length), rendered);
          if (!s.builder->empty() && (e.offset != s.contiguous_end ||
                                      s.builder->check(rendered.size(), e.time_ms) != batch::BatchBuilder::Cut::kFits)) {
            cut(s);
          }
          s.builder->add(rendered, e.time_ms, e.offset, e.length);
          s.contiguous_end = e.offset + e.length;
        }
        s.offset += used;
        if (f.gzip) {
          s.pending = std::move(bytes).value().substr(used);
          // The last line of a compressed file without its newline: not replayed, as below.
          // (A line longer than a chunk cannot be: the splitter cuts at max_event_bytes.)
          if (used == 0 && (s.gz_ended || s.pending.size() >= chunk)) {
            s.pending.clear();
            s.gz_ended = true;
          }
          continue;
        }
        // What is left is a line still being written when the replay began: not replayed.
        if (used == 0) s.offset = f.size;
      }
      if (!s.finished) break;  // files in order: the next source waits for this one
    }
    drain();
    job.changed = true;
    finish_if_done(job);
    if (job.state != wire::ReplayState::kRunning || job.inflight_bytes >= options_.window_bytes) continue;
    if (job.tokens <= 0) {
      sooner(std::chrono::milliseconds(1 + static_cast<int64_t>(-job.tokens * 1000 / static_cast<double>(rate))));
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
      for (const auto& s : job.scans) p.missing.insert(p.missing.end(), s->lost.begin(), s->lost.end());
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
