#include "agent/checkpoint/agent_state.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "agent/checkpoint/errc.h"
#include "common/base/byte_io.h"
#include "common/base/crc32c.h"

namespace ferry::agent::checkpoint {
namespace {

constexpr size_t kPrefixBytes = 4 + 2 + 2 + 8 + 4;
constexpr size_t kBatchBytes = 8 * 6 + 4 + 8 * 2;
constexpr size_t kMinFileBytes = 8 * 5 + 2;

void put_identity(ByteWriter& w, const batch::FileIdentity& f) {
  w.u64(f.dev);
  w.u64(f.ino);
  w.u64(f.fingerprint);
}

batch::FileIdentity get_identity(ByteReader& r) {
  batch::FileIdentity f;
  f.dev = r.u64();
  f.ino = r.u64();
  f.fingerprint = r.u64();
  return f;
}

}  // namespace

uint64_t make_incarnation() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::random_device random;
  const uint64_t low = random() & 0xFFFF;
  // Never 0: that is the incarnation of states from before incarnations existed.
  return (static_cast<uint64_t>(std::max<int64_t>(ms, 1)) << 16) | low;
}

std::string encode_state(const AgentState& state) {
  std::string body;
  ByteWriter b(body);
  b.u64(state.incarnation);
  b.u32(static_cast<uint32_t>(state.streams.size()));
  for (const auto& [name, s] : state.streams) {
    b.str16(name);
    b.u64(s.next_seq);
    b.u32(static_cast<uint32_t>(s.unacked.size()));
    for (const auto& [seq, r] : s.unacked) {
      b.u64(r.seq);
      put_identity(b, r.file);
      b.u64(r.offset);
      b.u64(r.length);
      b.u32(r.event_count);
      b.i64(r.min_time_ms);
      b.i64(r.max_time_ms);
    }
    b.u32(static_cast<uint32_t>(s.files.size()));
    for (const auto& f : s.files) {
      put_identity(b, f.file);
      b.u64(f.offset);
      b.i64(f.line_time_ms);
      b.str16(f.path);
    }
  }
  std::string out;
  out.reserve(kPrefixBytes + body.size() + 4);
  ByteWriter w(out);
  w.u32(kStateMagic);
  w.u16(kStateVersion);
  w.u16(0);
  w.u64(state.generation);
  w.u32(static_cast<uint32_t>(body.size()));
  w.raw(body);
  w.u32(crc32c::value(out));
  return out;
}

Result<AgentState> decode_state(std::string_view bytes) {
  if (bytes.size() < kPrefixBytes + 4) return Errc::kCorrupt;
  const std::string_view covered = bytes.substr(0, bytes.size() - 4);
  ByteReader crc_reader(bytes.substr(bytes.size() - 4));
  if (crc_reader.u32() != crc32c::value(covered)) return Errc::kCorrupt;

  ByteReader r(covered);
  AgentState state;
  if (r.u32() != kStateMagic) return Errc::kCorrupt;
  const uint16_t version = r.u16();
  if ((version != 1 && version != kStateVersion) || r.u16() != 0) return Errc::kCorrupt;
  state.generation = r.u64();
  const uint32_t body_length = r.u32();
  if (body_length != r.remaining()) return Errc::kCorrupt;
  if (version >= 2) state.incarnation = r.u64();
  const uint32_t streams = r.u32();
  for (uint32_t i = 0; i < streams && r.ok(); ++i) {
    std::string name(r.str16());
    StreamState s;
    s.next_seq = r.u64();
    const uint32_t batches = r.u32();
    if (!r.ok() || batches > r.remaining() / kBatchBytes) return Errc::kCorrupt;
    for (uint32_t j = 0; j < batches; ++j) {
      BatchRecord b;
      b.seq = r.u64();
      b.file = get_identity(r);
      b.offset = r.u64();
      b.length = r.u64();
      b.event_count = r.u32();
      b.min_time_ms = r.i64();
      b.max_time_ms = r.i64();
      s.unacked[b.seq] = b;
    }
    const uint32_t files = r.u32();
    if (!r.ok() || files > r.remaining() / kMinFileBytes) return Errc::kCorrupt;
    for (uint32_t j = 0; j < files; ++j) {
      FilePosition f;
      f.file = get_identity(r);
      f.offset = r.u64();
      f.line_time_ms = r.i64();
      f.path = std::string(r.str16());
      s.files.push_back(std::move(f));
    }
    state.streams.emplace(std::move(name), std::move(s));
  }
  if (!r.ok() || !r.at_end()) return Errc::kCorrupt;
  return state;
}

}  // namespace ferry::agent::checkpoint
