#include "agent/stream_batcher.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "agent/event/line_splitter.h"

namespace ferry::agent {

StreamBatcher::StreamBatcher(std::string category, std::unique_ptr<tail::SourceWatcher> watcher,
                             size_t batch_max_bytes, checkpoint::Checkpoint& checkpoint,
                             BatchEncoder& encoder, const Clock& clock)
    : category_(std::move(category)),
      watcher_(std::move(watcher)),
      checkpoint_(checkpoint),
      encoder_(encoder),
      clock_(clock),
      builder_(batch_max_bytes) {}

bool StreamBatcher::add(const tail::ReadChunk& c, Outbox& out) {
  bool ok = true;
  std::string rendered;
  for (const auto& e : c.events) {
    // Most events are their source bytes as they are: no copy to render them.
    std::string_view bytes = c.source(e);
    if (e.flags != 0) {
      rendered.clear();
      event::append_rendered(e, bytes, rendered);
      bytes = rendered;
    }
    // A batch is one contiguous range of one file.
    if (!builder_.empty() && (!(file_ == c.file) || builder_.check(bytes.size(), e.time_ms) !=
                                                        batch::BatchBuilder::Cut::kFits)) {
      ok &= cut(out);
    }
    if (builder_.empty()) {
      file_ = c.file;
      path_ = c.path;
      opened_ms_ = clock_.now_ms();
    }
    builder_.add(bytes, e.time_ms, e.offset, e.length);
  }
  return ok;
}

bool StreamBatcher::cut_if_lingered(std::chrono::milliseconds linger, Outbox& out) {
  if (builder_.empty() || !elapsed(clock_.now_ms(), opened_ms_, linger)) return true;
  return cut(out);
}

bool StreamBatcher::note_adopted_copies(Outbox& out) {
  auto copies = watcher_->take_adopted_copies();
  if (copies.empty()) return true;
  // The events read from the original up to where its copy starts go into the
  // checkpoint with the copy's start: a restart must find either both or neither.
  const bool ok = builder_.empty() || cut(out);
  for (const auto& copy : copies) {
    checkpoint_.note_position(category_, {copy.file, copy.offset, copy.line_time_ms, copy.path});
  }
  return ok;
}

bool StreamBatcher::cut(Outbox& out) {
  auto built = builder_.take();
  const uint64_t seq = checkpoint_.next_seq(category_);
  checkpoint::BatchRecord rec;
  rec.seq = seq;
  rec.file = file_;
  rec.offset = built.file_offset;
  rec.length = built.file_length;
  rec.event_count = built.event_count;
  rec.min_time_ms = built.min_time_ms;
  rec.max_time_ms = built.max_time_ms;
  Result<send::InflightBatch> ib = inflight_of(category_, seq, built);
  if (!defer_encoding_) {
    ib = encoder_.encode(category_, seq, built, file_);
    if (!ib) {
      spdlog::critical("cannot encode batch {}/{}: {}", category_, seq, ib.error().message());
      return false;
    }
  }
  auto recorded = checkpoint_.record_batch(category_, rec, path_);
  if (!recorded) {
    spdlog::critical("cannot record batch {}/{}: {}", category_, seq, recorded.error().message());
    return false;
  }
  last_sent_max_ms_ = std::max(last_sent_max_ms_, built.max_time_ms);
  if (hours_)
    hours_->note(category_, file_.dev, file_.ino, file_.fingerprint, path_, built.min_time_ms,
                 built.max_time_ms);
  if (defer_encoding_) {
    ib.value().unencoded =
        std::make_shared<send::UnencodedBatch>(send::UnencodedBatch{std::move(built), file_});
  }
  out.push_back(std::move(ib).value());
  return true;
}

}  // namespace ferry::agent
