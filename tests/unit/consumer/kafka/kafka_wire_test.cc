#include "consumer/kafka/kafka_wire.h"

#include <gtest/gtest.h>

namespace ferry::consumer::kafka {
namespace {

TEST(KafkaWireTest, IntegersAreBigEndian) {
  std::string out;
  WireWriter w(out);
  w.i16(0x0102);
  w.i32(-2);
  w.i64(0x0102030405060708);
  EXPECT_EQ(out, std::string("\x01\x02\xFF\xFF\xFF\xFE\x01\x02\x03\x04\x05\x06\x07\x08", 14));
  WireReader r(out);
  EXPECT_EQ(r.i16(), 0x0102);
  EXPECT_EQ(r.i32(), -2);
  EXPECT_EQ(r.i64(), 0x0102030405060708);
  EXPECT_TRUE(r.at_end());
  EXPECT_TRUE(r.ok());
}

TEST(KafkaWireTest, VarintsAreZigzag) {
  std::string out;
  WireWriter w(out);
  w.varint(0);
  w.varint(-1);
  w.varint(1);
  w.varint(-64);
  w.varint(300);
  EXPECT_EQ(out, std::string("\x00\x01\x02\x7F\xD8\x04", 6));
  WireReader r(out);
  EXPECT_EQ(r.varint32(), 0);
  EXPECT_EQ(r.varint32(), -1);
  EXPECT_EQ(r.varint32(), 1);
  EXPECT_EQ(r.varint32(), -64);
  EXPECT_EQ(r.varint64(), 300);
}

TEST(KafkaWireTest, StringsAndNulls) {
  std::string out;
  WireWriter w(out);
  w.string("abc");
  w.nullable_string(std::nullopt);
  w.bytes("xy");
  w.compact_string("q");
  w.compact_nullable_string(std::nullopt);
  WireReader r(out);
  EXPECT_EQ(r.string(), "abc");
  EXPECT_EQ(r.nullable_string(), std::nullopt);
  EXPECT_EQ(r.bytes(), "xy");
  EXPECT_EQ(r.compact_string(), "q");
  EXPECT_EQ(r.compact_nullable_string(), std::nullopt);
  EXPECT_TRUE(r.ok());
}

TEST(KafkaWireTest, TruncationSticksAndReadsZero) {
  WireReader r(std::string_view("\x00\x01\x02", 3));
  EXPECT_EQ(r.i32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errc::kTruncated);
  EXPECT_EQ(r.i8(), 0);  // later reads stay failed
}

TEST(KafkaWireTest, NegativeStringLengthIsAnError) {
  WireReader r(std::string_view("\xFF\xFE", 2));
  EXPECT_EQ(r.string(), "");
  EXPECT_EQ(r.error(), Errc::kNegativeLength);
}

TEST(KafkaWireTest, StringLongerThanBufferIsTruncated) {
  WireReader r(
      std::string_view("\x7F\xFF"
                       "abc",
                       5));
  (void)r.string();
  EXPECT_EQ(r.error(), Errc::kTruncated);
}

TEST(KafkaWireTest, HugeArrayCountIsRefusedBeforeAllocating) {
  std::string out;
  WireWriter(out).i32(0x7FFFFFFF);
  out += "abcdefgh";
  WireReader r(out);
  EXPECT_EQ(r.array_count(4), 0u);
  EXPECT_EQ(r.error(), Errc::kCountTooLarge);
}

TEST(KafkaWireTest, NullArrayIsDistinguished) {
  std::string out;
  WireWriter(out).i32(-1);
  EXPECT_EQ(WireReader(out).nullable_array_count(2), std::nullopt);
  EXPECT_EQ(WireReader(out).array_count(2), 0u);
  std::string neg;
  WireWriter(neg).i32(-7);
  WireReader r(neg);
  (void)r.nullable_array_count(2);
  EXPECT_EQ(r.error(), Errc::kNegativeLength);
}

TEST(KafkaWireTest, OverlongVarintIsAnError) {
  const std::string eleven(11, '\xFF');
  WireReader r(eleven);
  (void)r.varint64();
  EXPECT_EQ(r.error(), Errc::kBadVarint);
}

TEST(KafkaWireTest, SkipsTaggedFields) {
  std::string out;
  WireWriter w(out);
  w.uvarint(2);  // two fields
  w.uvarint(0);
  w.uvarint(3);
  w.raw("abc");
  w.uvarint(5);
  w.uvarint(0);
  w.i8(7);
  WireReader r(out);
  r.skip_tagged_fields();
  EXPECT_EQ(r.i8(), 7);
  EXPECT_TRUE(r.ok());
}

}  // namespace
}  // namespace ferry::consumer::kafka
