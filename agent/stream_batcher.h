#pragma once
// One source's stream: its SourceWatcher and the batch being built from what it reads.
// A batch is one contiguous range of one file; it is cut at [batch] max_bytes, an hour
// boundary, a change of file, or after `linger`. Each cut batch is recorded in the
// checkpoint (seq -> file range) and put in the caller's outbox, to be sent only after
// the checkpoint is flushed.
//
// Runs on the agent's io thread; not thread-safe.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/batch_encoder.h"
#include "agent/checkpoint/checkpoint.h"
#include "agent/file_hours.h"
#include "agent/send/inflight_window.h"
#include "agent/tail/read_chunk.h"
#include "agent/tail/source_watcher.h"
#include "common/base/clock.h"
#include "common/batch/batch_builder.h"

namespace ferry::agent {

class StreamBatcher {
 public:
  using Outbox = std::vector<send::InflightBatch>;

  StreamBatcher(std::string category, std::unique_ptr<tail::SourceWatcher> watcher,
                size_t batch_max_bytes, checkpoint::Checkpoint& checkpoint, BatchEncoder& encoder,
                const Clock& clock);

  const std::string& category() const { return category_; }
  tail::SourceWatcher& watcher() { return *watcher_; }
  const tail::SourceWatcher& watcher() const { return *watcher_; }

  // Adds a chunk's events, cutting full batches into `out`. False if a batch could not
  // be encoded or recorded (logged; the agent must stop).
  bool add(const tail::ReadChunk& chunk, Outbox& out);
  // Cuts the open batch into `out` if it is older than `linger`.
  bool cut_if_lingered(std::chrono::milliseconds linger, Outbox& out);
  // Records where copies (copytruncate) the watcher adopted start, for a restart, after
  // cutting the events read before them.
  bool note_adopted_copies(Outbox& out);

  // Every batch cut is noted here (replay from hosts: which file held which times).
  void set_file_hours(FileHours* hours) { hours_ = hours; }
  // Cut batches go into the outbox unencoded (InflightBatch::unencoded), for the caller
  // to encode elsewhere; by default they are encoded as they are cut.
  void defer_encoding() { defer_encoding_ = true; }

  bool building() const { return !builder_.empty(); }
  // Of the open batch: its first event's time by the clock, its oldest event time, its file.
  TimeMs opened_ms() const { return opened_ms_; }
  TimeMs batch_min_time() const { return builder_.min_time(); }
  const batch::FileIdentity& batch_file() const { return file_; }
  // The newest event time in a batch cut so far.
  TimeMs last_sent_max_ms() const { return last_sent_max_ms_; }

 private:
  bool cut(Outbox& out);

  std::string category_;
  std::unique_ptr<tail::SourceWatcher> watcher_;
  checkpoint::Checkpoint& checkpoint_;
  BatchEncoder& encoder_;
  const Clock& clock_;
  batch::BatchBuilder builder_;
  batch::FileIdentity file_;  // of the events in the builder
  std::string path_;
  TimeMs opened_ms_ = 0;
  TimeMs last_sent_max_ms_ = 0;
  FileHours* hours_ = nullptr;
  bool defer_encoding_ = false;
};

// Whether `interval` has passed since `since`; a clock that stepped back counts as passed,
// so that a wall clock set back never stalls polls or linger cuts.
inline bool elapsed(TimeMs now, TimeMs since, std::chrono::milliseconds interval) {
  return now < since || now - since >= interval.count();
}

}  // namespace ferry::agent
