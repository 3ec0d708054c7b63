#pragma once
// The batch header (DESIGN §3): everything a broker and consumer need to store, route,
// deduplicate and account for a batch without parsing its events. Batch id = (host,
// category, incarnation, seq). Encoded little-endian, fixed layout, in docs/protocol.md §5.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/clock.h"
#include "common/base/result.h"

namespace ferry::batch {

enum class Codec : uint8_t { kNone = 0, kZstd = 1 };

constexpr uint8_t kFlagSealed = 0x01;  // payload is AES-256-GCM sealed (brokers see ciphertext)
constexpr uint8_t kKnownFlags = kFlagSealed;
constexpr uint8_t kHeaderVersion = 2;  // 2: incarnation
// Version 3 adds key_id (u32) at the end; written only for sealed batches, so unsealed
// traffic stays readable by hops that know version 2.
constexpr uint8_t kSealedHeaderVersion = 3;
constexpr size_t kMaxNameBytes = 255;  // host and category names
// Hard ceiling on a batch's raw (uncompressed) size, whatever the config says; also the
// decompression limit used for batches.
constexpr uint32_t kMaxRawBytes = 64u << 20;

// Identity of a tailed file: device + inode + a fingerprint of its first bytes, so a
// reused inode or a truncated-and-rewritten file is not mistaken for the old one.
struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t fingerprint = 0;
  bool operator==(const FileIdentity&) const = default;
};

struct BatchHeader {
  std::string host;
  std::string category;
  uint64_t seq = 0;  // dense per stream, from 1
  // The agent state that numbered this stream: made with the state, so an agent whose
  // state was lost or wiped starts a new stream instead of reusing seqs (0: a state from
  // before incarnations).
  uint64_t incarnation = 0;
  uint32_t event_count = 0;
  uint32_t raw_size = 0;      // bytes of events before compression
  uint32_t payload_size = 0;  // bytes of the payload as sent (compressed, maybe sealed)
  TimeMs min_time_ms = 0;
  TimeMs max_time_ms = 0;
  FileIdentity file;  // where the agent can re-read these events
  uint64_t file_offset = 0;
  uint64_t file_length = 0;
  Codec codec = Codec::kZstd;
  uint8_t flags = 0;
  uint32_t payload_crc = 0;  // CRC32C of the payload as sent
  uint64_t replay_id = 0;    // 0 = live traffic; otherwise the replay it belongs to
  uint32_t key_id = 0;       // sealed: the key it was sealed with (>= 1); else 0

  bool sealed() const { return (flags & kFlagSealed) != 0; }
  TimeMs hour() const { return hour_start(min_time_ms); }
  bool operator==(const BatchHeader&) const = default;
};

// Appends the encoded header to `out`.
void encode_header(const BatchHeader& h, std::string& out);

// Decodes and validates a header from the front of `in`; advances `in` past it.
// Errors are ferry::wire::Errc::kMalformedBody or kBadBatch.
Result<BatchHeader> decode_header(std::string_view& in);

// Decodes the fields only, without validate_header: for a receiver that refuses a bad
// batch by name (REFUSED) instead of dropping the connection that carried it.
Result<BatchHeader> decode_header_fields(std::string_view& in);

// Checks the invariants every receiver relies on: names valid, seq >= 1, times within
// one hour, known codec and flags, a key id exactly when sealed, sizes within limits.
std::error_code validate_header(const BatchHeader& h);

// Host and category names: 1..255 bytes of [A-Za-z0-9._-], not "." or "..". Categories
// become directory names, so this is also what keeps a peer out of other paths.
bool valid_name(std::string_view name);

}  // namespace ferry::batch
