#pragma once
// Frame types of protocol version 1 (docs/protocol.md). Values are on the wire.

#include <cstdint>
#include <string_view>

namespace ferry::wire {

enum class FrameType : uint8_t {
  kHello = 1,
  kBatch = 2,
  kStored = 3,     // broker -> agent: batch durable in the broker
  kCommitted = 4,  // consumer -> broker: batch committed to the store
  kDelivered = 5,  // broker -> agent: batch committed end to end
  kWatermark = 6,  // agent -> broker -> consumer
  kStatus = 7,     // agent -> broker -> consumer
  kHeartbeat = 8,
  kError = 9,
  kRefused = 10,         // broker -> agent: a batch refused for good and quarantined; do not resend
  kReplay = 11,          // consumer -> broker: start or cancel a replay (replay_messages.h)
  kReplayProgress = 12,  // broker -> consumer: how far a replay got, what is missing
  kReplayCommitted = 13,  // consumer -> broker: replayed batches committed
};

constexpr uint8_t kMinFrameType = 1;
constexpr uint8_t kMaxFrameType = 13;

constexpr std::string_view frame_type_name(FrameType t) {
  switch (t) {
    case FrameType::kHello:
      return "HELLO";
    case FrameType::kBatch:
      return "BATCH";
    case FrameType::kStored:
      return "STORED";
    case FrameType::kCommitted:
      return "COMMITTED";
    case FrameType::kDelivered:
      return "DELIVERED";
    case FrameType::kWatermark:
      return "WATERMARK";
    case FrameType::kStatus:
      return "STATUS";
    case FrameType::kHeartbeat:
      return "HEARTBEAT";
    case FrameType::kError:
      return "ERROR";
    case FrameType::kRefused:
      return "REFUSED";
    case FrameType::kReplay:
      return "REPLAY";
    case FrameType::kReplayProgress:
      return "REPLAY_PROGRESS";
    case FrameType::kReplayCommitted:
      return "REPLAY_COMMITTED";
  }
  return "UNKNOWN";
}

}  // namespace ferry::wire
