#pragma once
// The agent's durable state (DESIGN §5) and its on-disk encoding. Per stream
// (category): the next seq, the unacked batches (seq → file identity and byte range),
// and per file the read position, which is the end of the last recorded batch.
//
// Encoding (little-endian, byte_io):
//   u32 magic "FCKP" | u16 version (2) | u16 reserved (0) | u64 generation
//   u32 body_length | body | u32 CRC32C of all bytes before it
// body:
//   u64 incarnation (version 2 only), u32 streams; per stream: str16 name, u64 next_seq,
//     u32 batches; per batch: u64 seq, u64 dev, u64 ino, u64 fingerprint, u64 offset,
//                             u64 length, u32 event_count, i64 min_time, i64 max_time
//     u32 files; per file: u64 dev, u64 ino, u64 fingerprint, u64 offset, i64 line_time,
//                          str16 path

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "common/batch/batch_header.h"

namespace ferry::agent::checkpoint {

inline constexpr uint32_t kStateMagic = 0x504B4346;  // "FCKP"
inline constexpr uint16_t kStateVersion = 2;  // 2: incarnation; 1 still loads (as incarnation 0)

struct BatchRecord {
  uint64_t seq = 0;
  batch::FileIdentity file;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t event_count = 0;
  TimeMs min_time_ms = 0;
  TimeMs max_time_ms = 0;
  bool operator==(const BatchRecord&) const = default;
};

struct FilePosition {
  batch::FileIdentity file;
  uint64_t offset = 0;      // end of the last recorded batch from this file
  TimeMs line_time_ms = 0;  // max time of that batch (for the rest of a split line)
  std::string path;         // last known name
  bool operator==(const FilePosition&) const = default;
};

struct StreamState {
  uint64_t next_seq = 1;
  std::map<uint64_t, BatchRecord> unacked;
  std::vector<FilePosition> files;
  bool operator==(const StreamState&) const = default;
};

struct AgentState {
  uint64_t generation = 0;  // +1 per write; the newer valid copy wins on load
  // Made with the state (make_incarnation): every stream of this state is (host,
  // category, incarnation), so a wiped or lost state never reuses another's seqs.
  uint64_t incarnation = 0;
  std::map<std::string, StreamState, std::less<>> streams;
  bool operator==(const AgentState&) const = default;
};

// A new state's incarnation: its creation time in ms in the high bits, random low bits,
// so later states of a host compare greater (as long as its clock does not go back).
uint64_t make_incarnation();

std::string encode_state(const AgentState& state);
// Errc::kCorrupt for anything but a complete, checksummed, known-version encoding.
Result<AgentState> decode_state(std::string_view bytes);

}  // namespace ferry::agent::checkpoint
