#pragma once
// Typed frame bodies (docs/protocol.md §4). encode(msg) returns a whole frame; the
// decode_* functions take a body and validate it completely: trailing bytes, names and
// counts are checked, so a receiver can trust what they return.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "common/batch/batch_header.h"
#include "common/wire/errc.h"
#include "common/wire/frame.h"

namespace ferry::wire {

enum class Role : uint8_t { kAgent = 1, kBroker = 2, kConsumer = 3, kAdmin = 4 };

std::string_view role_name(Role r);

struct Hello {
  uint8_t protocol_version = kProtocolVersion;
  Role role = Role::kAgent;
  std::string node_id;  // host name for agents, node id for brokers and consumers
  std::string dc;
  bool operator==(const Hello&) const = default;
};

struct BatchFrame {
  batch::BatchHeader header;
  std::string payload;
  bool operator==(const BatchFrame&) const = default;
};

// One acked run of a stream's sequence numbers, inclusive.
struct AckRange {
  std::string host;
  std::string category;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t incarnation = 0;  // the stream's agent state (batch::BatchHeader::incarnation)
  bool operator==(const AckRange&) const = default;
};

// STORED, COMMITTED and DELIVERED share this body; the frame type says which.
struct Ack {
  std::vector<AckRange> ranges;
  bool operator==(const Ack&) const = default;
};

// "Stream (host, category) has sent every event with time < time_ms, up to seq."
struct Watermark {
  std::string host;
  std::string category;
  uint64_t seq = 0;
  TimeMs time_ms = 0;
  uint64_t incarnation = 0;
  bool operator==(const Watermark&) const = default;
};

struct StreamStatus {
  std::string category;
  uint64_t unacked_events = 0;
  uint64_t unacked_batches = 0;
  uint64_t backlog_bytes = 0;    // bytes of tailed files not yet read
  TimeMs oldest_unacked_ms = 0;  // 0 when nothing is unacked
  TimeMs watermark_ms = 0;
  uint64_t unreadable_bytes = 0;  // bytes lost before they could be read (deleted/truncated)
  bool operator==(const StreamStatus&) const = default;
};

struct Status {
  std::string host;
  TimeMs sent_at_ms = 0;
  std::vector<StreamStatus> streams;
  bool operator==(const Status&) const = default;
};

struct Heartbeat {
  TimeMs time_ms = 0;
  bool operator==(const Heartbeat&) const = default;
};

struct Error {
  Errc code = Errc::kInternal;
  std::string text;
  bool operator==(const Error&) const = default;
};

// One batch refused for good by a hop: the connection goes on, the batch is kept in that
// hop's quarantine, and its sender must not resend it (DESIGN §2.6).
struct Refusal {
  AckRange batch;  // first_seq == last_seq
  Errc code = Errc::kBadBatch;
  std::string text;
  bool operator==(const Refusal&) const = default;
};

// Bounds on lists inside bodies, so a tiny frame cannot claim a huge count.
constexpr uint32_t kMaxAckRanges = 65536;
constexpr uint32_t kMaxStatusStreams = 4096;

std::string encode(const Hello& m);
std::string encode(const BatchFrame& m);
std::string encode(FrameType ack_type, const Ack& m);  // kStored, kCommitted or kDelivered
std::string encode(const Watermark& m);
std::string encode(const Status& m);
std::string encode(const Heartbeat& m);
std::string encode(const Error& m);
std::string encode(const Refusal& m);

Result<Hello> decode_hello(std::string_view body);
Result<BatchFrame> decode_batch(std::string_view body);
// The frame's structure only (batch::decode_header_fields): check it with batch::BatchChecker.
Result<BatchFrame> decode_batch_fields(std::string_view body);
Result<Ack> decode_ack(std::string_view body);
Result<Watermark> decode_watermark(std::string_view body);
Result<Status> decode_status(std::string_view body);
Result<Heartbeat> decode_heartbeat(std::string_view body);
Result<Error> decode_error(std::string_view body);
Result<Refusal> decode_refusal(std::string_view body);

// Checks a batch's payload against its header: size and CRC32C.
std::error_code verify_payload(const BatchFrame& m);

}  // namespace ferry::wire
