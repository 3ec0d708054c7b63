#pragma once
// Test helper: what an encoded in-flight batch carries (header and events).

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "agent/send/inflight_window.h"
#include "common/batch/payload.h"
#include "common/compress/zstd_codec.h"
#include "common/wire/frame.h"
#include "common/wire/messages.h"

namespace ferry::agent::testing {

struct BatchText {
  batch::BatchHeader header;
  std::string events;  // the raw events, concatenated
};

inline BatchText batch_text(const send::InflightBatch& b) {
  auto frame = wire::decode_batch(std::string_view(b.frame).substr(wire::kFrameHeaderSize));
  EXPECT_TRUE(frame) << frame.error().message();
  if (!frame) return {};
  compress::ZstdDecompressor zstd;
  BatchText out{frame.value().header, {}};
  EXPECT_FALSE(batch::decode_payload(out.header, frame.value().payload, zstd, out.events));
  return out;
}

}  // namespace ferry::agent::testing
