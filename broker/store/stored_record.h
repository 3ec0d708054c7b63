#pragma once
// On-disk values of the "pending" and "retained" column families.
//
//   pending:  u8 version | encoded BatchHeader | payload
//   retained: u8 version | be64 committed_at_ms | encoded BatchHeader | payload
//
// The payload is whatever follows the header; its size must equal header.payload_size.
// Decoding failures are storage::Errc::kCorruption.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "common/batch/batch_header.h"
#include "common/wire/messages.h"

namespace ferry::broker::store {

inline constexpr uint8_t kRecordVersion = 1;

std::string encode_pending(const wire::BatchFrame& frame);
Result<wire::BatchFrame> decode_pending(std::string_view value);
// Only a pending value's header (its payload size, counts, category), without the payload.
Result<batch::BatchHeader> pending_header(std::string_view value);

// Builds the retained value from a pending one without decoding the batch.
Result<std::string> retained_from_pending(std::string_view pending_value, TimeMs committed_at_ms);

struct RetainedRecord {
  TimeMs committed_at_ms = 0;
  wire::BatchFrame frame;
};
Result<RetainedRecord> decode_retained(std::string_view value);

// Only the commit time, for cheap filtering.
Result<TimeMs> retained_commit_time(std::string_view value);

}  // namespace ferry::broker::store
