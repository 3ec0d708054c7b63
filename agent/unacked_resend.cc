#include "agent/unacked_resend.h"

#include <limits>

#include <spdlog/spdlog.h>

#include "agent/event/line_splitter.h"
#include "agent/tail/errc.h"

namespace ferry::agent {
namespace {

// The events of a recorded range as a batch that keeps the recorded hour.
batch::BuiltBatch rebuild(const tail::ReadChunk& chunk, const checkpoint::BatchRecord& rec) {
  batch::BatchBuilder b(std::numeric_limits<size_t>::max());
  std::string rendered;
  for (const auto& e : chunk.events) {
    rendered.clear();
    event::append_rendered(e, chunk.source(e), rendered);
    // A line whose time moved (year inference) must not move the batch out of its hour.
    TimeMs t = hour_start(e.time_ms) == hour_start(rec.min_time_ms) ? e.time_ms : rec.min_time_ms;
    b.add(rendered, t, e.offset, e.length);
  }
  return b.take();
}

}  // namespace

std::string lost_marker(const std::string& host, const std::string& category, uint64_t seq,
                        const checkpoint::BatchRecord& rec) {
  return std::string(event::kLostMarker) + "host=" + host + " category=" + category +
         " seq=" + std::to_string(seq) + " bytes=" + std::to_string(rec.length) +
         " file=" + tail::to_string(rec.file) + " offset=" + std::to_string(rec.offset) + "\n";
}

void resend_unacked(const std::string& host, checkpoint::Checkpoint& checkpoint,
                    std::map<std::string, StreamBatcher>& streams, BatchEncoder& encoder,
                    send::InflightWindow& window) {
  // Same seq, same byte range, same events: re-read exactly what was recorded.
  for (const auto& category : checkpoint.streams()) {
    auto it = streams.find(category);
    if (it == streams.end()) {
      spdlog::warn("checkpoint has unacked batches of category {} which is no longer configured",
                   category);
      continue;
    }
    auto& stream = it->second;
    for (const auto& [seq, rec] : checkpoint.unacked(category)) {
      auto& watcher = stream.watcher();
      auto chunk = watcher.reread(rec.file, rec.offset, rec.length, rec.min_time_ms);
      if (!chunk && chunk.error() == tail::Errc::kFileGone) {
        // Copytruncated since the watcher's start: its copy, found by a poll, has the range.
        StreamBatcher::Outbox none;  // nothing is being built before the pump starts
        if (auto polled = watcher.poll(); polled) stream.note_adopted_copies(none);
        chunk = watcher.reread(rec.file, rec.offset, rec.length, rec.min_time_ms);
      }
      if (!chunk) {
        // The file went while the agent was down. If a broker stored the batch, this
        // resend is deduplicated and the original wins; otherwise the marker fills the seq.
        spdlog::error(
            "cannot re-read batch {}/{} ({} bytes at {} of {}): {}; those events are lost (counted "
            "as "
            "unreadable); sending a [ferry:lost] marker in their place",
            category, seq, rec.length, rec.offset, tail::to_string(rec.file),
            chunk.error().message());
        watcher.count_unreadable(rec.length);
        batch::BatchBuilder b(std::numeric_limits<size_t>::max());
        b.add(lost_marker(host, category, seq, rec), rec.min_time_ms, rec.offset, rec.length);
        auto ib = encoder.encode(category, seq, b.take(), rec.file);
        if (!ib) {
          // Said, not skipped in silence: this seq is not sent again.
          spdlog::error("cannot encode the [ferry:lost] marker of batch {}/{}: {}", category, seq,
                        ib.error().message());
          continue;
        }
        window.add(std::move(ib).value());
        continue;
      }
      auto ib = encoder.encode(category, seq, rebuild(chunk.value(), rec), rec.file);
      if (!ib) {
        spdlog::error("cannot rebuild batch {}/{}: {}", category, seq, ib.error().message());
        continue;
      }
      window.add(std::move(ib).value());
    }
  }
}

}  // namespace ferry::agent
