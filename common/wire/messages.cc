#include "common/wire/messages.h"

#include "common/base/byte_io.h"
#include "common/base/crc32c.h"

namespace ferry::wire {
namespace {

std::string frame_of(FrameType type, const std::string& body) { return encode_frame(type, body); }

// Every decoder ends here: the reader must be intact and fully consumed.
std::error_code finish(const ByteReader& r) {
  if (!r.ok() || !r.at_end()) return Errc::kMalformedBody;
  return {};
}

bool valid_role(uint8_t r) { return r >= 1 && r <= 4; }

// One AckRange, as in acks and REFUSED: host, category, first_seq, last_seq, incarnation.
void put_range(ByteWriter& w, const AckRange& a) {
  w.str16(a.host);
  w.str16(a.category);
  w.u64(a.first_seq);
  w.u64(a.last_seq);
  w.u64(a.incarnation);
}

AckRange take_range(ByteReader& r) {
  AckRange a;
  a.host = std::string(r.str16());
  a.category = std::string(r.str16());
  a.first_seq = r.u64();
  a.last_seq = r.u64();
  a.incarnation = r.u64();
  return a;
}

// Names valid, 1 <= first_seq <= last_seq.
bool valid_range(const AckRange& a) {
  return batch::valid_name(a.host) && batch::valid_name(a.category) && a.first_seq != 0 &&
         a.first_seq <= a.last_seq;
}

}  // namespace

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kAgent:
      return "agent";
    case Role::kBroker:
      return "broker";
    case Role::kConsumer:
      return "consumer";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::string encode(const Hello& m) {
  std::string body;
  ByteWriter w(body);
  w.u8(m.protocol_version);
  w.u8(static_cast<uint8_t>(m.role));
  w.str16(m.node_id);
  w.str16(m.dc);
  return frame_of(FrameType::kHello, body);
}

Result<Hello> decode_hello(std::string_view body) {
  ByteReader r(body);
  Hello m;
  m.protocol_version = r.u8();
  uint8_t role = r.u8();
  m.node_id = std::string(r.str16());
  m.dc = std::string(r.str16());
  if (auto ec = finish(r)) return ec;
  if (m.protocol_version != kProtocolVersion) return make_error_code(Errc::kUnsupportedVersion);
  if (!valid_role(role) || !batch::valid_name(m.node_id) || !batch::valid_name(m.dc)) {
    return make_error_code(Errc::kMalformedBody);
  }
  m.role = static_cast<Role>(role);
  return m;
}

std::string encode(const BatchFrame& m) {
  std::string body;
  body.reserve(128 + m.payload.size());
  batch::encode_header(m.header, body);
  ByteWriter w(body);
  w.str32(m.payload);
  return frame_of(FrameType::kBatch, body);
}

namespace {

Result<BatchFrame> decode_batch_with(Result<batch::BatchHeader> (*decode_header)(std::string_view&),
                                     std::string_view body) {
  BatchFrame m;
  auto header = decode_header(body);
  if (!header) return header.error();
  m.header = std::move(header).value();
  ByteReader r(body);
  m.payload = std::string(r.str32());
  if (auto ec = finish(r)) return ec;
  if (m.payload.size() != m.header.payload_size) return make_error_code(Errc::kBadBatch);
  return m;
}

}  // namespace

Result<BatchFrame> decode_batch(std::string_view body) {
  return decode_batch_with(batch::decode_header, body);
}

Result<BatchFrame> decode_batch_fields(std::string_view body) {
  return decode_batch_with(batch::decode_header_fields, body);
}

std::error_code verify_payload(const BatchFrame& m) {
  if (m.payload.size() != m.header.payload_size) return Errc::kBadBatch;
  if (crc32c::value(m.payload) != m.header.payload_crc) return Errc::kBadCrc;
  return {};
}

std::string encode(FrameType ack_type, const Ack& m) {
  std::string body;
  ByteWriter w(body);
  w.u32(static_cast<uint32_t>(m.ranges.size()));
  for (const auto& a : m.ranges) put_range(w, a);
  return frame_of(ack_type, body);
}

Result<Ack> decode_ack(std::string_view body) {
  ByteReader r(body);
  uint32_t n = r.u32();
  if (n > kMaxAckRanges) return make_error_code(Errc::kMalformedBody);
  Ack m;
  // Each range is at least 28 bytes, so a count the body cannot hold is refused before
  // anything is reserved.
  if (static_cast<uint64_t>(n) * 28 > r.remaining()) return make_error_code(Errc::kMalformedBody);
  m.ranges.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    AckRange a = take_range(r);
    if (r.ok() && !valid_range(a)) return make_error_code(Errc::kMalformedBody);
    m.ranges.push_back(std::move(a));
  }
  if (auto ec = finish(r)) return ec;
  return m;
}

std::string encode(const Watermark& m) {
  std::string body;
  ByteWriter w(body);
  w.str16(m.host);
  w.str16(m.category);
  w.u64(m.seq);
  w.i64(m.time_ms);
  w.u64(m.incarnation);
  return frame_of(FrameType::kWatermark, body);
}

Result<Watermark> decode_watermark(std::string_view body) {
  ByteReader r(body);
  Watermark m;
  m.host = std::string(r.str16());
  m.category = std::string(r.str16());
  m.seq = r.u64();
  m.time_ms = r.i64();
  m.incarnation = r.u64();
  if (auto ec = finish(r)) return ec;
  if (!batch::valid_name(m.host) || !batch::valid_name(m.category)) {
    return make_error_code(Errc::kMalformedBody);
  }
  return m;
}

std::string encode(const Status& m) {
  std::string body;
  ByteWriter w(body);
  w.str16(m.host);
  w.i64(m.sent_at_ms);
  w.u32(static_cast<uint32_t>(m.streams.size()));
  for (const auto& s : m.streams) {
    w.str16(s.category);
    w.u64(s.unacked_events);
    w.u64(s.unacked_batches);
    w.u64(s.backlog_bytes);
    w.i64(s.oldest_unacked_ms);
    w.i64(s.watermark_ms);
    w.u64(s.unreadable_bytes);
  }
  return frame_of(FrameType::kStatus, body);
}

Result<Status> decode_status(std::string_view body) {
  ByteReader r(body);
  Status m;
  m.host = std::string(r.str16());
  m.sent_at_ms = r.i64();
  uint32_t n = r.u32();
  if (!r.ok() || n > kMaxStatusStreams || static_cast<uint64_t>(n) * 50 > r.remaining()) {
    return make_error_code(Errc::kMalformedBody);
  }
  m.streams.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    StreamStatus s;
    s.category = std::string(r.str16());
    s.unacked_events = r.u64();
    s.unacked_batches = r.u64();
    s.backlog_bytes = r.u64();
    s.oldest_unacked_ms = r.i64();
    s.watermark_ms = r.i64();
    s.unreadable_bytes = r.u64();
    if (r.ok() && !batch::valid_name(s.category)) return make_error_code(Errc::kMalformedBody);
    m.streams.push_back(std::move(s));
  }
  if (auto ec = finish(r)) return ec;
  if (!batch::valid_name(m.host)) return make_error_code(Errc::kMalformedBody);
  return m;
}

std::string encode(const Heartbeat& m) {
  std::string body;
  ByteWriter w(body);
  w.i64(m.time_ms);
  return frame_of(FrameType::kHeartbeat, body);
}

Result<Heartbeat> decode_heartbeat(std::string_view body) {
  ByteReader r(body);
  Heartbeat m;
  m.time_ms = r.i64();
  if (auto ec = finish(r)) return ec;
  return m;
}

std::string encode(const Error& m) {
  std::string body;
  ByteWriter w(body);
  w.u16(static_cast<uint16_t>(m.code));
  w.str16(m.text);
  return frame_of(FrameType::kError, body);
}

Result<Error> decode_error(std::string_view body) {
  ByteReader r(body);
  Error m;
  m.code = static_cast<Errc>(r.u16());
  m.text = std::string(r.str16());
  if (auto ec = finish(r)) return ec;
  return m;
}

std::string encode(const Refusal& m) {
  std::string body;
  ByteWriter w(body);
  put_range(w, m.batch);
  w.u16(static_cast<uint16_t>(m.code));
  w.str16(m.text);
  return frame_of(FrameType::kRefused, body);
}

Result<Refusal> decode_refusal(std::string_view body) {
  ByteReader r(body);
  Refusal m;
  m.batch = take_range(r);
  m.code = static_cast<Errc>(r.u16());
  m.text = std::string(r.str16());
  if (auto ec = finish(r)) return ec;
  if (!valid_range(m.batch) || m.batch.first_seq != m.batch.last_seq)
    return make_error_code(Errc::kMalformedBody);
  return m;
}

}  // namespace ferry::wire
