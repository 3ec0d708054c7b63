// libFuzzer target: the incremental frame decoder and every frame body decoder. The
// first input byte picks the chunk size the rest is fed in, so splits across feed()
// calls are explored too. A decoder may refuse anything; it must never crash, read out
// of bounds or buffer past its limit.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/base/assert.h"
#include "common/wire/frame_decoder.h"
#include "common/wire/messages.h"
#include "common/wire/replay_messages.h"

namespace {

constexpr uint32_t kMaxBody = 1u << 20;  // small, so "too large" is reachable

void decode_body(const ferry::wire::Frame& frame) {
  using ferry::wire::FrameType;
  namespace wire = ferry::wire;
  switch (frame.type) {
    case FrameType::kHello:
      (void)wire::decode_hello(frame.body);
      break;
    case FrameType::kBatch:
      (void)wire::decode_batch(frame.body);
      break;
    case FrameType::kStored:
    case FrameType::kCommitted:
    case FrameType::kDelivered:
      (void)wire::decode_ack(frame.body);
      break;
    case FrameType::kWatermark:
      (void)wire::decode_watermark(frame.body);
      break;
    case FrameType::kStatus:
      (void)wire::decode_status(frame.body);
      break;
    case FrameType::kHeartbeat:
      (void)wire::decode_heartbeat(frame.body);
      break;
    case FrameType::kError:
      (void)wire::decode_error(frame.body);
      break;
    case FrameType::kRefused:
      (void)wire::decode_refusal(frame.body);
      break;
    case FrameType::kReplay:
      (void)wire::decode_replay_request(frame.body);
      break;
    case FrameType::kReplayProgress:
      (void)wire::decode_replay_progress(frame.body);
      break;
    case FrameType::kReplayCommitted:
      (void)wire::decode_replay_committed(frame.body);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  ferry::wire::FrameDecoder decoder(kMaxBody);
  bool failed = false;
  while (!failed) {
    size_t n = std::min(chunk, rest.size());
    decoder.feed(rest.substr(0, n));
    rest.remove_prefix(n);
    while (true) {
      auto next = decoder.next();
      if (!next) {
        failed = true;
        break;
      }
      if (!next.value()) break;
      FERRY_RELEASE_ASSERT(next.value()->body.size() <= kMaxBody);
      decode_body(*next.value());
    }
    if (rest.empty()) break;
  }
  // What the decoder holds is bounded by one frame and one chunk.
  FERRY_RELEASE_ASSERT(decoder.buffered() <= ferry::wire::kFrameHeaderSize + kMaxBody + chunk);
  return 0;
}
