#include "agent/replay/replay_scan_reader.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "agent/tail/file_identity.h"
#include "agent/tail/range_reader.h"

namespace ferry::agent::replay {
namespace {

using Job = HostReplays::Job;

constexpr size_t kReadChunk = 256u << 10;

void cut(Job& job, Job::Scan& s, BatchEncoder& encoder) {
  auto built = s.builder->take();
  const uint64_t seq = s.next_seq++;
  const uint64_t id = job.request.replay_id;
  auto ib = encoder.encode(s.source->category, seq, built, s.id, id);
  if (!ib) {
    spdlog::error("replay {}: cannot encode batch {}/{}: {}", id, s.source->category, seq,
                  ib.error().message());
    job.state = wire::ReplayState::kFailed;
    return;
  }
  job.queue.push_back(std::move(ib).value());
}

}  // namespace

void read_next_chunk(Job& job, Job::Scan& s, BatchEncoder& encoder,
                     const HostReplayOptions& options, const Clock& clock) {
  const FileRef& f = s.files[s.index];
  auto next_file = [&] {
    if (!s.builder->empty()) cut(job, s, encoder);
    s.close_file();
    ++s.index;
    s.offset = 0;
    s.splitter->reset();
  };
  if (s.fd < 0) {
    s.fd = open_snapshot_file(f, s.source->paths);
    if (s.fd < 0) {
      s.lost.push_back(
          {options.host, s.source->category, job.request.from_ms, job.request.to_ms,
           "file " + f.path + " of host " + options.host +
               " was deleted or truncated during the replay: its lines are not in it"});
      next_file();
      return;
    }
    auto prefix = tail::pread_exact(s.fd, 0, std::min<uint64_t>(f.size, tail::kFingerprintBytes));
    s.id = batch::FileIdentity{f.dev, f.ino, prefix ? tail::make_fingerprint(prefix.value()) : 0};
    if (f.gzip) s.gz = std::make_unique<GzipStream>(s.fd, f.size);
  }
  const uint64_t chunk = std::max(kReadChunk, 2 * options.max_event_bytes);
  Result<std::string> bytes = std::string();
  if (f.gzip) {
    // Decompressed in order, never all at once: what the splitter left over (a line
    // cut by the chunk's end) plus the next decompressed chunk.
    if (!s.gz_ended && s.pending.size() < chunk &&
        !s.gz->read(chunk - s.pending.size(), s.pending)) {
      s.gz_ended = true;
      if (!s.gz->error().empty()) {
        s.lost.push_back({options.host, s.source->category, job.request.from_ms, job.request.to_ms,
                          "compressed file " + f.path + " of host " + options.host +
                              " is damaged (" + s.gz->error() +
                              "): its lines from there on are not in the replay"});
      }
    }
    if (s.gz_ended && s.pending.empty()) {
      next_file();
      return;
    }
    bytes = std::move(s.pending);
  } else {
    if (s.offset >= f.size) {
      next_file();
      return;
    }
    bytes = tail::pread_exact(s.fd, s.offset, std::min<uint64_t>(f.size - s.offset, chunk));
  }
  if (!bytes) {
    s.lost.push_back({options.host, s.source->category, job.request.from_ms, job.request.to_ms,
                      "reading " + f.path + " failed: " + bytes.error().message()});
    next_file();
    return;
  }
  std::vector<event::Event> events;
  const size_t used = s.splitter->split(bytes.value(), s.offset, clock.now_ms(), false, events);
  std::string rendered;
  for (const auto& e : events) {
    const bool in_range = e.time_ms >= job.request.from_ms && e.time_ms < job.request.to_ms;
    if (!in_range) {
      if (!s.builder->empty()) cut(job, s, encoder);
      continue;
    }
    rendered.clear();
    event::append_rendered(e, std::string_view(bytes.value()).substr(e.offset - s.offset, e.length),
                           rendered);
    if (!s.builder->empty() &&
        (e.offset != s.contiguous_end ||
         s.builder->check(rendered.size(), e.time_ms) != batch::BatchBuilder::Cut::kFits)) {
      cut(job, s, encoder);
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
    return;
  }
  // What is left is a line still being written when the replay began: not replayed.
  if (used == 0) s.offset = f.size;
}

}  // namespace ferry::agent::replay
