#include "agent/batch_encoder.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/batch_text.h"

namespace ferry::agent {
namespace {

TEST(BatchEncoderTest, FrameCarriesTheStreamTheFileAndTheEvents) {
  BatchEncoder encoder("host-a", 42, 1);
  batch::BatchBuilder builder(1 << 20);
  builder.add("one\n", 1'000, 10);
  builder.add("two\n", 2'000, 14);
  const batch::FileIdentity file{1, 2, (uint64_t{8} << 32) | 0x1234};
  auto ib = encoder.encode("app", 7, builder.take(), file);
  ASSERT_TRUE(ib) << ib.error().message();
  EXPECT_EQ(ib.value().category, "app");
  EXPECT_EQ(ib.value().seq, 7u);
  EXPECT_EQ(ib.value().events, 2u);
  EXPECT_EQ(ib.value().min_time_ms, 1'000);
  EXPECT_EQ(ib.value().max_time_ms, 2'000);
  auto text = testing::batch_text(ib.value());
  EXPECT_EQ(text.header.host, "host-a");
  EXPECT_EQ(text.header.category, "app");
  EXPECT_EQ(text.header.seq, 7u);
  EXPECT_EQ(text.header.incarnation, 42u);
  EXPECT_EQ(text.header.file, file);
  EXPECT_EQ(text.events, "one\ntwo\n");
}

TEST(BatchEncoderTest, SameBatchEncodesToTheSameFrame) {
  // A resend must be byte-identical to the first send of its seq.
  BatchEncoder encoder("h", 1, 1);
  auto built = [] {
    batch::BatchBuilder b(1 << 20);
    b.add("line\n", 5, 0);
    return b.take();
  };
  auto first = encoder.encode("c", 1, built(), {});
  auto again = encoder.encode("c", 1, built(), {});
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first.value().frame, again.value().frame);
}

}  // namespace
}  // namespace ferry::agent
