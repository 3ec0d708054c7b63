#include "tests/support/session_frames.h"

#include <gtest/gtest.h>

#include "common/base/crc32c.h"

namespace ferry::testing {

wire::BatchFrame checked_batch(uint64_t seq, const std::string& host, const std::string& category) {
  wire::BatchFrame f;
  f.header.host = host;
  f.header.category = category;
  f.header.seq = seq;
  f.header.event_count = 1;
  f.payload = "line " + std::to_string(seq) + "\n";
  f.header.raw_size = static_cast<uint32_t>(f.payload.size());
  f.header.payload_size = static_cast<uint32_t>(f.payload.size());
  f.header.min_time_ms = 1'800'000'000'000;
  f.header.max_time_ms = f.header.min_time_ms;
  f.header.codec = batch::Codec::kNone;
  f.header.payload_crc = crc32c::value(f.payload);
  return f;
}

std::optional<uint16_t> error_code_of(const std::vector<wire::Frame>& frames) {
  for (const auto& f : frames) {
    if (f.type != wire::FrameType::kError) continue;
    auto e = wire::decode_error(f.body);
    EXPECT_TRUE(e);
    if (e) return static_cast<uint16_t>(e.value().code);
  }
  return std::nullopt;
}

}  // namespace ferry::testing
