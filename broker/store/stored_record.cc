#include "broker/store/stored_record.h"

#include "common/storage/errc.h"
#include "common/storage/key_codec.h"

namespace ferry::broker::store {
namespace {

std::error_code corrupt() { return storage::Errc::kCorruption; }

bool known_version(std::string_view value) {
  if (value.empty()) return false;
  const auto v = static_cast<uint8_t>(value[0]);
  return v == kInlineRecordVersion || v == kRecordVersion;
}

// The header and body after the version byte (and, when retained, the commit time).
Result<StoredRecord> decode_body(uint8_t version, std::string_view body) {
  auto header = batch::decode_header(body);
  if (!header) return corrupt();
  StoredRecord record{0, std::move(header).value(), std::nullopt, {}};
  if (version == kInlineRecordVersion) {
    if (body.size() != record.header.payload_size) return corrupt();
    record.inline_payload = body;
    return record;
  }
  if (body.size() != 16) return corrupt();
  record.location =
      PayloadLocation{storage::get_be64(body.substr(0, 8)), storage::get_be64(body.substr(8))};
  return record;
}

}  // namespace

std::string encode_pending(const batch::BatchHeader& header, PayloadLocation at) {
  std::string v;
  v.reserve(1 + 128 + 16);
  v.push_back(static_cast<char>(kRecordVersion));
  batch::encode_header(header, v);
  storage::put_be64(v, at.segment);
  storage::put_be64(v, at.offset);
  return v;
}

Result<StoredRecord> decode_pending(std::string_view value) {
  if (!known_version(value)) return corrupt();
  return decode_body(static_cast<uint8_t>(value[0]), value.substr(1));
}

Result<std::string> retained_from_pending(std::string_view pending_value, TimeMs committed_at_ms) {
  if (!known_version(pending_value)) return corrupt();
  std::string v;
  v.reserve(pending_value.size() + 8);
  v.push_back(pending_value[0]);
  storage::put_be64(v, static_cast<uint64_t>(committed_at_ms));
  v.append(pending_value.substr(1));
  return v;
}

Result<StoredRecord> decode_retained(std::string_view value) {
  if (value.size() < 9 || !known_version(value)) return corrupt();
  BOOST_OUTCOME_TRY(record, decode_body(static_cast<uint8_t>(value[0]), value.substr(9)));
  record.committed_at_ms = static_cast<TimeMs>(storage::get_be64(value.substr(1, 8)));
  return record;
}

Result<batch::BatchHeader> pending_header(std::string_view value) {
  if (!known_version(value)) return corrupt();
  value.remove_prefix(1);
  auto header = batch::decode_header(value);
  if (!header) return corrupt();
  return header;
}

}  // namespace ferry::broker::store
