#include "broker/store/stored_record.h"

#include "common/batch/batch_header.h"
#include "common/storage/errc.h"
#include "common/storage/key_codec.h"

namespace ferry::broker::store {
namespace {

std::error_code corrupt() { return storage::Errc::kCorruption; }

Result<wire::BatchFrame> decode_body(std::string_view body) {
  auto header = batch::decode_header(body);
  if (!header) return corrupt();
  if (body.size() != header.value().payload_size) return corrupt();
  return wire::BatchFrame{std::move(header).value(), std::string(body)};
}

}  // namespace

std::string encode_pending(const wire::BatchFrame& frame) {
  std::string v;
  v.reserve(1 + 128 + frame.payload.size());
  v.push_back(static_cast<char>(kRecordVersion));
  batch::encode_header(frame.header, v);
  v.append(frame.payload);
  return v;
}

Result<wire::BatchFrame> decode_pending(std::string_view value) {
  if (value.empty() || static_cast<uint8_t>(value[0]) != kRecordVersion) return corrupt();
  return decode_body(value.substr(1));
}

Result<std::string> retained_from_pending(std::string_view pending_value, TimeMs committed_at_ms) {
  if (pending_value.empty() || static_cast<uint8_t>(pending_value[0]) != kRecordVersion) {
    return corrupt();
  }
  std::string v;
  v.reserve(pending_value.size() + 8);
  v.push_back(static_cast<char>(kRecordVersion));
  storage::put_be64(v, static_cast<uint64_t>(committed_at_ms));
  v.append(pending_value.substr(1));
  return v;
}

Result<TimeMs> retained_commit_time(std::string_view value) {
  if (value.size() < 9 || static_cast<uint8_t>(value[0]) != kRecordVersion) return corrupt();
  return static_cast<TimeMs>(storage::get_be64(value.substr(1, 8)));
}

Result<RetainedRecord> decode_retained(std::string_view value) {
  BOOST_OUTCOME_TRY(committed_at, retained_commit_time(value));
  BOOST_OUTCOME_TRY(frame, decode_body(value.substr(9)));
  return RetainedRecord{committed_at, std::move(frame)};
}

Result<batch::BatchHeader> pending_header(std::string_view value) {
  if (value.empty() || static_cast<uint8_t>(value[0]) != kRecordVersion) {
    return storage::Errc::kCorruption;
  }
  value.remove_prefix(1);
  auto header = batch::decode_header(value);
  if (!header) return storage::Errc::kCorruption;
  return header;
}

}  // namespace ferry::broker::store
