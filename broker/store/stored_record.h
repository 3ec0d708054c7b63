#pragma once
// On-disk values of the "pending" and "retained" column families.
//
//   pending:  u8 version | encoded BatchHeader | body
//   retained: u8 version | be64 committed_at_ms | encoded BatchHeader | body
//
// Version 2 (written now): body = be64 segment | be64 offset, where the payload lies in
// the PayloadLog. Version 1 (stores written before it, still read): body = the payload.
// Decoding failures are storage::Errc::kCorruption.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/store/payload_log.h"
#include "common/base/clock.h"
#include "common/base/result.h"
#include "common/batch/batch_header.h"

namespace ferry::broker::store {

inline constexpr uint8_t kInlineRecordVersion = 1;
inline constexpr uint8_t kRecordVersion = 2;

std::string encode_pending(const batch::BatchHeader& header, PayloadLocation at);

// Builds the retained value from a pending one without decoding the batch.
Result<std::string> retained_from_pending(std::string_view pending_value, TimeMs committed_at_ms);

// A decoded value: its header and where its payload is. Views point into the value.
struct StoredRecord {
  TimeMs committed_at_ms = 0;  // retained only
  batch::BatchHeader header;
  std::optional<PayloadLocation> location;  // version 2
  std::string_view inline_payload;          // version 1
};
Result<StoredRecord> decode_pending(std::string_view value);
Result<StoredRecord> decode_retained(std::string_view value);

// Only a pending value's header (its payload size, counts, category), without the payload.
Result<batch::BatchHeader> pending_header(std::string_view value);

}  // namespace ferry::broker::store
