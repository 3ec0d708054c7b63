#include "common/wire/errc.h"

namespace ferry::wire {
namespace {

class WireCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry.wire"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kOk:
        return "ok";
      case Errc::kBadMagic:
        return "bad frame magic";
      case Errc::kUnsupportedVersion:
        return "unsupported protocol version";
      case Errc::kUnknownFrameType:
        return "unknown frame type";
      case Errc::kFrameTooLarge:
        return "frame larger than the maximum frame size";
      case Errc::kBadCrc:
        return "frame body CRC32C mismatch";
      case Errc::kMalformedBody:
        return "malformed frame body";
      case Errc::kBadFlags:
        return "reserved frame flags set";
      case Errc::kProtocolViolation:
        return "frame not allowed in this state";
      case Errc::kUnauthenticated:
        return "peer not authenticated";
      case Errc::kIdentityMismatch:
        return "peer claims an identity its certificate does not name";
      case Errc::kBadBatch:
        return "inconsistent batch";
      case Errc::kDecompressionBomb:
        return "decompressed size over the limit";
      case Errc::kOverloaded:
        return "overloaded";
      case Errc::kShuttingDown:
        return "shutting down";
      case Errc::kInternal:
        return "internal error";
    }
    return "unknown wire error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& wire_category() {
  static const WireCategory category;
  return category;
}

}  // namespace ferry::wire
