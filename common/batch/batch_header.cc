#include "common/batch/batch_header.h"

#include "common/base/byte_io.h"
#include "common/wire/errc.h"

namespace ferry::batch {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void encode_header(const BatchHeader& h, std::string& out) {
  ByteWriter w(out);
  w.u8(h.sealed() ? kSealedHeaderVersion : kHeaderVersion);
  w.str16(h.host);
  w.str16(h.category);
  w.u64(h.seq);
  w.u32(h.event_count);
  w.u32(h.raw_size);
  w.u32(h.payload_size);
  w.i64(h.min_time_ms);
  w.i64(h.max_time_ms);
  w.u64(h.file.dev);
  w.u64(h.file.ino);
  w.u64(h.file.fingerprint);
  w.u64(h.file_offset);
  w.u64(h.file_length);
  w.u8(static_cast<uint8_t>(h.codec));
  w.u8(h.flags);
  w.u32(h.payload_crc);
  w.u64(h.replay_id);
  w.u64(h.incarnation);
  if (h.sealed()) w.u32(h.key_id);
}

std::error_code validate_header(const BatchHeader& h) {
  using wire::Errc;
  if (!valid_name(h.host) || !valid_name(h.category)) return Errc::kBadBatch;
  if (h.seq == 0) return Errc::kBadBatch;
  if (h.codec != Codec::kNone && h.codec != Codec::kZstd) return Errc::kBadBatch;
  if ((h.flags & ~kKnownFlags) != 0) return Errc::kBadBatch;
  if (h.sealed() != (h.key_id != 0)) return Errc::kBadBatch;
  if (h.min_time_ms > h.max_time_ms) return Errc::kBadBatch;
  if (hour_start(h.min_time_ms) != hour_start(h.max_time_ms)) return Errc::kBadBatch;
  if (h.raw_size > kMaxRawBytes || h.payload_size > kMaxRawBytes + (1u << 20)) {
    return Errc::kBadBatch;
  }
  if (h.event_count == 0 || h.event_count > h.raw_size) return Errc::kBadBatch;
  return {};
}

Result<BatchHeader> decode_header_fields(std::string_view& in) {
  ByteReader r(in);
  BatchHeader h;
  uint8_t version = r.u8();
  h.host = std::string(r.str16());
  h.category = std::string(r.str16());
  h.seq = r.u64();
  h.event_count = r.u32();
  h.raw_size = r.u32();
  h.payload_size = r.u32();
  h.min_time_ms = r.i64();
  h.max_time_ms = r.i64();
  h.file.dev = r.u64();
  h.file.ino = r.u64();
  h.file.fingerprint = r.u64();
  h.file_offset = r.u64();
  h.file_length = r.u64();
  h.codec = static_cast<Codec>(r.u8());
  h.flags = r.u8();
  h.payload_crc = r.u32();
  h.replay_id = r.u64();
  h.incarnation = r.u64();
  if (version == kSealedHeaderVersion) h.key_id = r.u32();
  if (!r.ok()) return make_error_code(wire::Errc::kMalformedBody);
  if (version != kHeaderVersion && version != kSealedHeaderVersion) {
    return make_error_code(wire::Errc::kUnsupportedVersion);
  }
  in.remove_prefix(in.size() - r.remaining());
  return h;
}

Result<BatchHeader> decode_header(std::string_view& in) {
  std::string_view rest = in;
  BOOST_OUTCOME_TRY(h, decode_header_fields(rest));
  if (auto ec = validate_header(h)) return ec;
  in = rest;
  return h;
}

}  // namespace ferry::batch
