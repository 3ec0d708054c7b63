#include "common/wire/frame.h"

#include "common/base/byte_io.h"
#include "common/base/crc32c.h"

namespace ferry::wire {

void encode_frame(FrameType type, std::string_view body, std::string& out) {
  out.reserve(out.size() + kFrameHeaderSize + body.size());
  ByteWriter w(out);
  w.raw(std::string_view(kMagic, 4));
  w.u8(kProtocolVersion);
  w.u8(static_cast<uint8_t>(type));
  w.u16(0);
  w.u32(static_cast<uint32_t>(body.size()));
  w.u32(crc32c::value(body));
  w.raw(body);
}

std::string encode_frame(FrameType type, std::string_view body) {
  std::string out;
  encode_frame(type, body, out);
  return out;
}

}  // namespace ferry::wire
