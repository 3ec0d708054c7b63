#pragma once
// Frame layout (docs/protocol.md §2). Every frame is a 16-byte header and a body:
//
//   offset size field
//        0    4 magic    "FRRY" (0x46 0x52 0x52 0x59)
//        4    1 version  kProtocolVersion
//        5    1 type     FrameType
//        6    2 flags    reserved, must be 0
//        8    4 length   body length, little-endian, <= the receiver's max frame size
//       12    4 crc      CRC32C of the body, little-endian
//
// All integers on the wire are little-endian.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/wire/frame_type.h"

namespace ferry::wire {

constexpr char kMagic[4] = {'F', 'R', 'R', 'Y'};
constexpr uint8_t kProtocolVersion = 1;
constexpr size_t kFrameHeaderSize = 16;
// Default and absolute maxima for a frame body. A batch of 1 MiB raw compresses to far
// less; 16 MiB leaves room for large configured batches without letting a peer make us
// allocate without bound.
constexpr uint32_t kDefaultMaxFrameBody = 16u << 20;
constexpr uint32_t kAbsoluteMaxFrameBody = 80u << 20;

struct Frame {
  FrameType type = FrameType::kHeartbeat;
  std::string body;
};

// Appends a whole frame (header + body) to `out`.
void encode_frame(FrameType type, std::string_view body, std::string& out);
std::string encode_frame(FrameType type, std::string_view body);

}  // namespace ferry::wire
