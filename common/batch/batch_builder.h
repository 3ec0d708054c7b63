#pragma once
// Accumulates consecutive events of one stream into a batch. A batch is cut when the
// next event would push it past max_raw_bytes or belongs to another event hour, so
// batches never straddle an hour (DESIGN §3). The caller asks check() before add(),
// takes the batch on a cut, then adds the event to the fresh one.
//
// Events are whole lines including their '\n'. Byte offsets are those of the source
// file, so a batch names the exact range it can be re-read from.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/clock.h"

namespace ferry::batch {

struct BuiltBatch {
  std::string raw;  // the events, concatenated
  uint32_t event_count = 0;
  TimeMs min_time_ms = 0;
  TimeMs max_time_ms = 0;
  uint64_t file_offset = 0;  // of the first event
  uint64_t file_length = 0;  // bytes from file_offset through the last event
};

class BatchBuilder {
 public:
  enum class Cut { kFits, kSize, kHour };

  explicit BatchBuilder(size_t max_raw_bytes) : max_raw_bytes_(max_raw_bytes) {}

  // Whether an event of `bytes` bytes at time `t` may join the current batch. An event
  // always fits an empty batch (oversized lines are split before they get here).
  Cut check(size_t bytes, TimeMs t) const;

  // Appends an event that starts at `offset` in the source file. Events must be
  // contiguous in the file: offset == previous offset + previous size.
  void add(std::string_view event, TimeMs t, uint64_t offset) {
    add(event, t, offset, event.size());
  }
  // For an event whose batch bytes differ from its source bytes (a split piece with its
  // marker, a final line given a newline): it covers source_length bytes of the file.
  void add(std::string_view event, TimeMs t, uint64_t offset, uint64_t source_length);

  bool empty() const { return batch_.event_count == 0; }
  size_t raw_bytes() const { return batch_.raw.size(); }
  uint32_t event_count() const { return batch_.event_count; }
  TimeMs hour() const { return hour_start(batch_.min_time_ms); }
  TimeMs min_time() const { return batch_.min_time_ms; }

  // Returns the batch and starts an empty one.
  BuiltBatch take();

 private:
  size_t max_raw_bytes_;
  BuiltBatch batch_;
};

}  // namespace ferry::batch
