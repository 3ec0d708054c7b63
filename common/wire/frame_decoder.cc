#include "common/wire/frame_decoder.h"

#include <algorithm>
#include <cstring>

#include "common/base/byte_io.h"
#include "common/base/crc32c.h"
#include "common/wire/errc.h"

namespace ferry::wire {

FrameDecoder::FrameDecoder(uint32_t max_body)
    : max_body_(std::min(max_body, kAbsoluteMaxFrameBody)) {}

void FrameDecoder::feed(std::string_view data) {
  if (error_) return;
  // Compact before growing so the buffer never holds more than one partial frame plus
  // the new chunk.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ > (1u << 16))) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(data);
}

size_t FrameDecoder::wanted() const {
  const size_t have = buffered();
  if (have < kFrameHeaderSize) return kFrameHeaderSize - have;
  ByteReader r(std::string_view(buf_).substr(pos_ + 8, 4));
  const size_t whole = kFrameHeaderSize + std::min(r.u32(), max_body_);
  return whole > have ? whole - have : 0;
}

void FrameDecoder::release_if_empty() {
  if (buffered() != 0) return;
  std::string().swap(buf_);
  pos_ = 0;
}

std::error_code FrameDecoder::check_header(std::string_view header, uint32_t& length) const {
  ByteReader r(header);
  std::string_view magic = r.raw(4);
  uint8_t version = r.u8();
  uint8_t type = r.u8();
  uint16_t flags = r.u16();
  length = r.u32();
  if (std::memcmp(magic.data(), kMagic, 4) != 0) return Errc::kBadMagic;
  if (version != kProtocolVersion) return Errc::kUnsupportedVersion;
  if (type < kMinFrameType || type > kMaxFrameType) return Errc::kUnknownFrameType;
  if (flags != 0) return Errc::kBadFlags;
  if (length > max_body_) return Errc::kFrameTooLarge;
  return {};
}

Result<std::optional<Frame>> FrameDecoder::next() {
  if (error_) return error_;
  std::string_view avail(buf_.data() + pos_, buf_.size() - pos_);
  // Check the magic as soon as it can be checked, so garbage fails fast.
  size_t magic_bytes = std::min<size_t>(avail.size(), 4);
  if (std::memcmp(avail.data(), kMagic, magic_bytes) != 0) {
    error_ = Errc::kBadMagic;
    return error_;
  }
  if (avail.size() < kFrameHeaderSize) return std::optional<Frame>();
  uint32_t length = 0;
  if (auto ec = check_header(avail.substr(0, kFrameHeaderSize), length)) {
    error_ = ec;
    return error_;
  }
  if (avail.size() < kFrameHeaderSize + length) return std::optional<Frame>();
  ByteReader r(avail.substr(12, 4));
  uint32_t crc = r.u32();
  std::string_view body = avail.substr(kFrameHeaderSize, length);
  if (crc32c::value(body) != crc) {
    error_ = Errc::kBadCrc;
    return error_;
  }
  Frame f;
  f.type = static_cast<FrameType>(static_cast<uint8_t>(avail[5]));
  f.body.assign(body);
  pos_ += kFrameHeaderSize + length;
  return std::optional<Frame>(std::move(f));
}

}  // namespace ferry::wire
