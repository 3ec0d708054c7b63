#include "common/batch/batch_builder.h"

#include <gtest/gtest.h>

#include "common/batch/payload.h"
#include "common/wire/errc.h"

namespace ferry::batch {
namespace {

constexpr TimeMs kHour = 3'600'000;
constexpr TimeMs kT0 = 1'700'000'000'000 - (1'700'000'000'000 % kHour);  // an hour start

TEST(BatchBuilderTest, CutsAtHourBoundary) {
  BatchBuilder b(1 << 20);
  b.add("a\n", kT0 + kHour - 1, 0);
  EXPECT_EQ(b.check(2, kT0 + kHour), BatchBuilder::Cut::kHour);
  EXPECT_EQ(b.check(2, kT0 + kHour - 5), BatchBuilder::Cut::kFits);
  auto built = b.take();
  EXPECT_EQ(built.event_count, 1u);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.check(2, kT0 + kHour), BatchBuilder::Cut::kFits);
}

TEST(BatchBuilderTest, CutsAtSizeLimit) {
  BatchBuilder b(10);
  b.add("12345\n", kT0, 100);
  EXPECT_EQ(b.check(4, kT0), BatchBuilder::Cut::kFits);
  EXPECT_EQ(b.check(5, kT0), BatchBuilder::Cut::kSize);
  b.add("abc\n", kT0 + 1, 106);
  auto built = b.take();
  EXPECT_EQ(built.raw, "12345\nabc\n");
  EXPECT_EQ(built.file_offset, 100u);
  EXPECT_EQ(built.file_length, 10u);
  EXPECT_EQ(built.min_time_ms, kT0);
  EXPECT_EQ(built.max_time_ms, kT0 + 1);
}

TEST(BatchBuilderTest, OversizedEventFitsAnEmptyBatch) {
  BatchBuilder b(4);
  EXPECT_EQ(b.check(100, kT0), BatchBuilder::Cut::kFits);
}

TEST(BatchBuilderTest, TracksOutOfOrderEventTimesWithinTheHour) {
  BatchBuilder b(1 << 20);
  b.add("x\n", kT0 + 500, 0);
  b.add("y\n", kT0 + 100, 2);
  auto built = b.take();
  EXPECT_EQ(built.min_time_ms, kT0 + 100);
  EXPECT_EQ(built.max_time_ms, kT0 + 500);
}

std::string syslog_lines(int n) {
  std::string raw;
  for (int i = 0; i < n; ++i) {
    raw += "<134>Nov 23 06:57:0" + std::to_string(i % 10) +
           " web-001 app[1234]: user=" + std::to_string(i * 7919 % 100000) +
           " event=song_completion track=" + std::to_string(i) + " ms=183000\n";
  }
  return raw;
}

TEST(PayloadTest, ZstdRoundTripChecksCrcAndSize) {
  BuiltBatch built;
  built.raw = syslog_lines(500);
  built.event_count = 500;
  built.min_time_ms = built.max_time_ms = kT0;
  compress::ZstdCompressor c(3);
  compress::ZstdDecompressor d;
  BatchHeader h;
  h.host = "h";
  h.category = "c";
  h.seq = 1;
  auto payload = encode_payload(built, Codec::kZstd, c, h);
  ASSERT_TRUE(payload);
  EXPECT_LT(payload.value().size(), built.raw.size() / 3);
  EXPECT_FALSE(validate_header(h));
  std::string raw;
  ASSERT_FALSE(decode_payload(h, payload.value(), d, raw));
  EXPECT_EQ(raw, built.raw);

  std::string corrupt = payload.value();
  corrupt[corrupt.size() / 2] ^= 0x20;
  EXPECT_EQ(decode_payload(h, corrupt, d, raw), wire::Errc::kBadCrc);
}

TEST(PayloadTest, PlainCodecRoundTrip) {
  BuiltBatch built;
  built.raw = "one\ntwo\n";
  built.event_count = 2;
  compress::ZstdCompressor c(1);
  compress::ZstdDecompressor d;
  BatchHeader h;
  auto payload = encode_payload(built, Codec::kNone, c, h);
  std::string raw;
  ASSERT_FALSE(decode_payload(h, payload.value(), d, raw));
  EXPECT_EQ(raw, "one\ntwo\n");
}

TEST(PayloadTest, PayloadLargerThanDeclaredRawSizeIsABomb) {
  BuiltBatch built;
  built.raw = std::string(1 << 20, 'a');  // compresses to almost nothing
  built.event_count = 1;
  compress::ZstdCompressor c(3);
  compress::ZstdDecompressor d;
  BatchHeader h;
  auto payload = encode_payload(built, Codec::kZstd, c, h);
  h.raw_size = 1000;  // a lying header
  std::string raw;
  EXPECT_EQ(decode_payload(h, payload.value(), d, raw), wire::Errc::kDecompressionBomb);
  EXPECT_LE(raw.capacity(), 1u << 16);
}

}  // namespace
}  // namespace ferry::batch
