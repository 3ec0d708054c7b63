#include "consumer/kafka/record_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "common/base/crc32c.h"
#include "consumer/kafka/errc.h"
#include "consumer/kafka/kafka_wire.h"

namespace ferry::consumer::kafka {
namespace {

RecordBatchInput three_lines(Compression c = Compression::kNone) {
  RecordBatchInput in;
  in.base_offset = 42;
  in.timestamp_ms = 1'700'000'000'123;
  in.key = "web-01";
  in.values = {"first line", "", "third line"};
  in.compression = c;
  return in;
}

void expect_three_lines(const std::vector<DecodedRecord>& records) {
  ASSERT_EQ(records.size(), 3u);
  const char* values[] = {"first line", "", "third line"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(records[i].offset, 42 + static_cast<int64_t>(i));
    EXPECT_EQ(records[i].timestamp_ms, 1'700'000'000'123);
    EXPECT_EQ(records[i].key, "web-01");
    EXPECT_EQ(records[i].value, values[i]);
  }
}

TEST(RecordBatchTest, RoundTripsUncompressed) {
  auto records = decode_record_batches(encode_record_batch(three_lines()));
  ASSERT_TRUE(records) << records.error().message();
  expect_three_lines(records.value());
}

TEST(RecordBatchTest, RoundTripsZstd) {
  RecordBatchInput in = three_lines(Compression::kZstd);
  const std::string batch = encode_record_batch(in);
  EXPECT_EQ(WireReader(std::string_view(batch).substr(21)).i16() & 7, 4);
  auto records = decode_record_batches(batch);
  ASSERT_TRUE(records) << records.error().message();
  expect_three_lines(records.value());
}

TEST(RecordBatchTest, HeaderFieldsAreThoseKafkaExpects) {
  const std::string batch = encode_record_batch(three_lines());
  WireReader r(batch);
  EXPECT_EQ(r.i64(), 42);                                       // baseOffset
  EXPECT_EQ(r.i32(), static_cast<int32_t>(batch.size() - 12));  // batchLength
  EXPECT_EQ(r.i32(), 0);                                        // partitionLeaderEpoch
  EXPECT_EQ(r.i8(), 2);                                         // magic
  EXPECT_EQ(r.u32(), crc32c::value(batch.data() + 21, batch.size() - 21));
  EXPECT_EQ(r.i16(), 0);  // attributes: no codec, CreateTime
  EXPECT_EQ(r.i32(), 2);  // lastOffsetDelta
  EXPECT_EQ(r.i64(), 1'700'000'000'123);
  EXPECT_EQ(r.i64(), 1'700'000'000'123);
  EXPECT_EQ(r.i64(), -1);  // producerId
  EXPECT_EQ(r.i16(), -1);  // producerEpoch
  EXPECT_EQ(r.i32(), -1);  // baseSequence
  EXPECT_EQ(r.i32(), 3);   // records
  // First record: length 21, attributes 0, deltas 0, key "web-01", value "first line".
  EXPECT_EQ(r.varint32(), 1 + 1 + 1 + 1 + 6 + 1 + 10 + 1);
  EXPECT_EQ(r.i8(), 0);
  EXPECT_EQ(r.varint64(), 0);
  EXPECT_EQ(r.varint32(), 0);
  EXPECT_EQ(r.varint32(), 6);
  EXPECT_EQ(r.raw(6), "web-01");
  EXPECT_TRUE(r.ok());
}

TEST(RecordBatchTest, CrcMatchesTheCastagnoliCheckValue) {
  // Kafka's CRC is CRC-32C; "123456789" has the check value 0xE3069283.
  EXPECT_EQ(crc32c::value("123456789"), 0xE3069283u);
}

TEST(RecordBatchTest, DecodesConcatenatedBatches) {
  RecordBatchInput a = three_lines();
  RecordBatchInput b = three_lines(Compression::kZstd);
  b.base_offset = 45;
  auto records = decode_record_batches(encode_record_batch(a) + encode_record_batch(b));
  ASSERT_TRUE(records);
  ASSERT_EQ(records.value().size(), 6u);
  EXPECT_EQ(records.value()[5].offset, 47);
}

TEST(RecordBatchTest, RejectsFlippedByteWithBadCrc) {
  std::string batch = encode_record_batch(three_lines());
  batch[batch.size() - 3] ^= 0x01;
  auto records = decode_record_batches(batch);
  ASSERT_FALSE(records);
  EXPECT_EQ(records.error(), Errc::kBadCrc);
}

TEST(RecordBatchTest, RejectsBadMagic) {
  std::string batch = encode_record_batch(three_lines());
  batch[16] = 1;
  EXPECT_EQ(decode_record_batches(batch).error(), Errc::kBadMagic);
}

TEST(RecordBatchTest, RejectsEveryTruncation) {
  const std::string batch = encode_record_batch(three_lines(Compression::kZstd));
  for (size_t n = 1; n < batch.size(); ++n) {
    EXPECT_FALSE(decode_record_batches(std::string_view(batch).substr(0, n))) << n;
  }
}

// Rewrites the record count and the CRC, so only the count is wrong.
std::string with_count(std::string batch, int32_t count) {
  std::string tail;
  WireWriter(tail).i32(count);
  batch.replace(57, 4, tail);
  std::string crc;
  WireWriter(crc).u32(crc32c::value(batch.data() + 21, batch.size() - 21));
  batch.replace(17, 4, crc);
  return batch;
}

TEST(RecordBatchTest, RejectsHugeAndNegativeCountsWithoutAllocating) {
  const std::string batch = encode_record_batch(three_lines());
  EXPECT_EQ(decode_record_batches(with_count(batch, 0x7FFFFFFF)).error(), Errc::kCountTooLarge);
  EXPECT_EQ(decode_record_batches(with_count(batch, -5)).error(), Errc::kNegativeLength);
  EXPECT_EQ(decode_record_batches(with_count(batch, 2)).error(), Errc::kTrailingBytes);
}

TEST(RecordBatchTest, RejectsBatchLengthPastTheBuffer) {
  std::string batch = encode_record_batch(three_lines());
  batch[8] = 0x7F;
  EXPECT_EQ(decode_record_batches(batch).error(), Errc::kBadBatchLength);
  batch[8] = static_cast<char>(0xFF);  // negative
  EXPECT_EQ(decode_record_batches(batch).error(), Errc::kBadBatchLength);
}

TEST(RecordBatchTest, RefusesZstdThatInflatesPastTheLimit) {
  std::string line(100'000, 'a');
  RecordBatchInput in = three_lines(Compression::kZstd);
  in.values = {line};
  const std::string batch = encode_record_batch(in);
  EXPECT_LT(batch.size(), 1000u);
  EXPECT_EQ(decode_record_batches(batch, 10'000).error(), Errc::kTooLarge);
  EXPECT_TRUE(decode_record_batches(batch, 200'000));
}

TEST(RecordBatchTest, EmptyInputHasNoRecords) {
  auto records = decode_record_batches("");
  ASSERT_TRUE(records);
  EXPECT_TRUE(records.value().empty());
}

}  // namespace
}  // namespace ferry::consumer::kafka
