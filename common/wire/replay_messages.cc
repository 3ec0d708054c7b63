#include "common/wire/replay_messages.h"

#include "common/base/byte_io.h"

namespace ferry::wire {
namespace {

std::error_code malformed() { return make_error_code(Errc::kMalformedBody); }

// An empty name means "all" where the field allows it.
bool valid_or_empty(std::string_view name) { return name.empty() || batch::valid_name(name); }

void put_names(ByteWriter& w, const std::vector<std::string>& names) {
  w.u16(static_cast<uint16_t>(names.size()));
  for (const auto& n : names) w.str16(n);
}

bool take_names(ByteReader& r, std::vector<std::string>& out) {
  uint16_t n = r.u16();
  if (!r.ok() || n > kMaxReplayFilters || static_cast<uint64_t>(n) * 3 > r.remaining())
    return false;
  for (uint16_t i = 0; i < n && r.ok(); ++i) {
    out.emplace_back(r.str16());
    if (r.ok() && !batch::valid_name(out.back())) return false;
  }
  return r.ok();
}

}  // namespace

std::string_view replay_state_name(ReplayState s) {
  switch (s) {
    case ReplayState::kRunning:
      return "running";
    case ReplayState::kDone:
      return "done";
    case ReplayState::kCancelled:
      return "cancelled";
    case ReplayState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string encode(const ReplayRequest& m) {
  std::string body;
  ByteWriter w(body);
  w.u64(m.replay_id);
  w.u8(static_cast<uint8_t>(m.action));
  w.i64(m.from_ms);
  w.i64(m.to_ms);
  w.u64(m.rate_bytes_per_s);
  put_names(w, m.hosts);
  put_names(w, m.categories);
  if (m.source != ReplaySource::kBrokers) w.u8(static_cast<uint8_t>(m.source));
  return encode_frame(FrameType::kReplay, body);
}

Result<ReplayRequest> decode_replay_request(std::string_view body) {
  ByteReader r(body);
  ReplayRequest m;
  m.replay_id = r.u64();
  uint8_t action = r.u8();
  m.from_ms = r.i64();
  m.to_ms = r.i64();
  m.rate_bytes_per_s = r.u64();
  if (!take_names(r, m.hosts) || !take_names(r, m.categories)) return malformed();
  if (r.ok() && !r.at_end()) {
    uint8_t source = r.u8();
    if (source != 1 && source != 2) return malformed();
    m.source = static_cast<ReplaySource>(source);
  }
  if (!r.ok() || !r.at_end()) return malformed();
  if (m.replay_id == 0 || (action != 1 && action != 2) || m.from_ms < 0 || m.to_ms <= m.from_ms)
    return malformed();
  m.action = static_cast<ReplayAction>(action);
  return m;
}

std::string encode(const ReplayProgress& m) {
  std::string body;
  ByteWriter w(body);
  w.u64(m.replay_id);
  w.u8(static_cast<uint8_t>(m.state));
  w.u32(static_cast<uint32_t>(m.streams.size()));
  for (const auto& s : m.streams) {
    w.str16(s.host);
    w.str16(s.category);
    w.u64(s.batches);
    w.u64(s.events);
  }
  w.u32(static_cast<uint32_t>(m.missing.size()));
  for (const auto& x : m.missing) {
    w.str16(x.host);
    w.str16(x.category);
    w.i64(x.from_ms);
    w.i64(x.to_ms);
    w.str16(x.reason);
  }
  return encode_frame(FrameType::kReplayProgress, body);
}

Result<ReplayProgress> decode_replay_progress(std::string_view body) {
  ByteReader r(body);
  ReplayProgress m;
  m.replay_id = r.u64();
  uint8_t state = r.u8();
  uint32_t n = r.u32();
  if (!r.ok() || n > kMaxReplayStreams || static_cast<uint64_t>(n) * 22 > r.remaining())
    return malformed();
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    ReplayStreamCount s;
    s.host = std::string(r.str16());
    s.category = std::string(r.str16());
    s.batches = r.u64();
    s.events = r.u64();
    if (r.ok() && (!batch::valid_name(s.host) || !batch::valid_name(s.category)))
      return malformed();
    m.streams.push_back(std::move(s));
  }
  uint32_t k = r.u32();
  if (!r.ok() || k > kMaxReplayMissing || static_cast<uint64_t>(k) * 22 > r.remaining())
    return malformed();
  for (uint32_t i = 0; i < k && r.ok(); ++i) {
    ReplayMissing x;
    x.host = std::string(r.str16());
    x.category = std::string(r.str16());
    x.from_ms = r.i64();
    x.to_ms = r.i64();
    x.reason = std::string(r.str16());
    if (r.ok() && (!valid_or_empty(x.host) || !valid_or_empty(x.category))) return malformed();
    m.missing.push_back(std::move(x));
  }
  if (!r.ok() || !r.at_end()) return malformed();
  if (m.replay_id == 0 || state < 1 || state > 4) return malformed();
  m.state = static_cast<ReplayState>(state);
  return m;
}

std::string encode(const ReplayCommitted& m) {
  // The replay id, then the body of an ack (§4.3).
  std::string ack = encode(FrameType::kCommitted, Ack{m.ranges});
  std::string body;
  ByteWriter w(body);
  w.u64(m.replay_id);
  body.append(ack, kFrameHeaderSize);
  return encode_frame(FrameType::kReplayCommitted, body);
}

Result<ReplayCommitted> decode_replay_committed(std::string_view body) {
  ByteReader r(body);
  ReplayCommitted m;
  m.replay_id = r.u64();
  if (!r.ok() || m.replay_id == 0) return malformed();
  auto ack = decode_ack(body.substr(8));
  if (!ack) return ack.error();
  m.ranges = std::move(ack).value().ranges;
  return m;
}

}  // namespace ferry::wire
