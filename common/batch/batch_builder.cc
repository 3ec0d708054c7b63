#include "common/batch/batch_builder.h"

#include <algorithm>

namespace ferry::batch {

BatchBuilder::Cut BatchBuilder::check(size_t bytes, TimeMs t) const {
  if (empty()) return Cut::kFits;
  if (hour_start(t) != hour_start(batch_.min_time_ms)) return Cut::kHour;
  if (batch_.raw.size() + bytes > max_raw_bytes_) return Cut::kSize;
  return Cut::kFits;
}

void BatchBuilder::add(std::string_view event, TimeMs t, uint64_t offset, uint64_t source_length) {
  if (empty()) {
    batch_.file_offset = offset;
    batch_.min_time_ms = batch_.max_time_ms = t;
  } else {
    batch_.min_time_ms = std::min(batch_.min_time_ms, t);
    batch_.max_time_ms = std::max(batch_.max_time_ms, t);
  }
  batch_.raw.append(event);
  batch_.file_length = offset + source_length - batch_.file_offset;
  ++batch_.event_count;
}

BuiltBatch BatchBuilder::take() {
  BuiltBatch out = std::move(batch_);
  batch_ = BuiltBatch{};
  batch_.raw.reserve(std::min<size_t>(max_raw_bytes_, out.raw.capacity()));
  return out;
}

}  // namespace ferry::batch
