#include "consumer/kafka/errc.h"

#include <string>

namespace ferry::consumer::kafka {
namespace {

class KafkaCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry.kafka"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kOk:
        return "ok";
      case Errc::kTruncated:
        return "truncated: a field runs past the end";
      case Errc::kNegativeLength:
        return "negative length or count";
      case Errc::kCountTooLarge:
        return "count larger than the bytes that follow could hold";
      case Errc::kBadVarint:
        return "varint too long";
      case Errc::kBadMagic:
        return "record batch magic is not 2";
      case Errc::kBadCrc:
        return "record batch CRC-32C mismatch";
      case Errc::kBadBatchLength:
        return "record batch length out of bounds";
      case Errc::kBadCompression:
        return "unsupported or corrupt compression";
      case Errc::kTooLarge:
        return "decompressed records over the limit";
      case Errc::kBadRecord:
        return "record length disagrees with its fields";
      case Errc::kTrailingBytes:
        return "trailing bytes after the structure";
      case Errc::kUnsupportedApi:
        return "unsupported api key or version";
    }
    return "unknown kafka error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& kafka_category() {
  static const KafkaCategory category;
  return category;
}

}  // namespace ferry::consumer::kafka
