#pragma once
// Replay frames on the consumer <-> broker link (docs/protocol.md §4.9-4.11, DESIGN §7).
// The consumer asks (REPLAY), the broker re-sends retained batches as BATCH frames whose
// header carries the replay id and reports how far it got (REPLAY_PROGRESS); the
// consumer acks what it committed (REPLAY_COMMITTED), so the broker knows where to
// resume. Decoders validate everything, as in messages.h.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "common/wire/messages.h"

namespace ferry::wire {

enum class ReplayAction : uint8_t { kStart = 1, kCancel = 2 };
// Where the range is read from: the brokers' retention, or the agents' own files (the
// broker relays the request to its connected agents and their replayed batches to the
// consumer). On the wire an optional trailing byte, absent = kBrokers.
enum class ReplaySource : uint8_t { kBrokers = 1, kHosts = 2 };

// Starts a ReplayMissing reason for a host the broker knows but that is not connected:
// the consumer drops such an entry when another broker replayed that host.
constexpr std::string_view kHostNotConnected = "host not connected: ";

// Batches of the listed hosts and categories (empty = all) whose event times overlap
// [from_ms, to_ms), re-sent at most rate_bytes_per_s (0 = the broker's default).
struct ReplayRequest {
  uint64_t replay_id = 0;
  ReplayAction action = ReplayAction::kStart;
  TimeMs from_ms = 0;
  TimeMs to_ms = 0;
  uint64_t rate_bytes_per_s = 0;
  std::vector<std::string> hosts;
  std::vector<std::string> categories;
  ReplaySource source = ReplaySource::kBrokers;
  bool operator==(const ReplayRequest&) const = default;
};

enum class ReplayState : uint8_t { kRunning = 1, kDone = 2, kCancelled = 3, kFailed = 4 };
std::string_view replay_state_name(ReplayState s);

struct ReplayStreamCount {
  std::string host;
  std::string category;
  uint64_t batches = 0;
  uint64_t events = 0;
  bool operator==(const ReplayStreamCount&) const = default;
};

// Part of the range a broker cannot send. host/category empty = every host/category.
struct ReplayMissing {
  std::string host;
  std::string category;
  TimeMs from_ms = 0;
  TimeMs to_ms = 0;
  std::string reason;
  bool operator==(const ReplayMissing&) const = default;
};

// kDone: every matching batch was sent and every one of them acked REPLAY_COMMITTED.
struct ReplayProgress {
  uint64_t replay_id = 0;
  ReplayState state = ReplayState::kRunning;
  std::vector<ReplayStreamCount> streams;  // sent so far, per host and category
  std::vector<ReplayMissing> missing;
  bool operator==(const ReplayProgress&) const = default;
};

struct ReplayCommitted {
  uint64_t replay_id = 0;
  std::vector<AckRange> ranges;
  bool operator==(const ReplayCommitted&) const = default;
};

constexpr uint32_t kMaxReplayFilters = 1024;  // hosts, and categories, per request
constexpr uint32_t kMaxReplayStreams = 4096;  // per progress frame
constexpr uint32_t kMaxReplayMissing = 256;

std::string encode(const ReplayRequest& m);
std::string encode(const ReplayProgress& m);
std::string encode(const ReplayCommitted& m);

Result<ReplayRequest> decode_replay_request(std::string_view body);
Result<ReplayProgress> decode_replay_progress(std::string_view body);
Result<ReplayCommitted> decode_replay_committed(std::string_view body);

}  // namespace ferry::wire
