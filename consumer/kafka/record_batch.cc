#include "consumer/kafka/record_batch.h"

#include "common/base/assert.h"
#include "common/base/crc32c.h"
#include "common/compress/zstd_codec.h"
#include "common/wire/errc.h"
#include "consumer/kafka/kafka_wire.h"

namespace ferry::consumer::kafka {
namespace {

constexpr int8_t kMagic = 2;
constexpr int16_t kCodecMask = 0x07;
// Offsets within a batch, counted from its first byte.
constexpr size_t kBatchLengthPos = 8;
constexpr size_t kCrcPos = 17;
constexpr size_t kAttributesPos = 21;
// Smallest record: length, attributes, timestampDelta, offsetDelta, key, value, headers.
constexpr size_t kMinRecordBytes = 7;

void encode_records(const RecordBatchInput& input, std::string& out) {
  WireWriter w(out);
  std::string record;
  for (size_t i = 0; i < input.values.size(); ++i) {
    record.clear();
    WireWriter r(record);
    r.i8(0);                            // attributes (unused)
    r.varint(0);                        // timestampDelta: one timestamp for the batch
    r.varint(static_cast<int64_t>(i));  // offsetDelta
    r.varint(static_cast<int64_t>(input.key.size()));
    r.raw(input.key);
    r.varint(static_cast<int64_t>(input.values[i].size()));
    r.raw(input.values[i]);
    r.varint(0);  // no headers
    w.varint(static_cast<int64_t>(record.size()));
    w.raw(record);
  }
}

}  // namespace

std::string encode_record_batch(const RecordBatchInput& input) {
  FERRY_RELEASE_ASSERT(!input.values.empty());
  std::string records;
  encode_records(input, records);
  Compression codec = input.compression;
  if (codec == Compression::kZstd) {
    // Level 1, as the agents compress: the consumer writes every line once more here.
    thread_local compress::ZstdCompressor zstd(1);
    std::string packed;
    if (zstd.compress(records, packed)) {
      records = std::move(packed);
    } else {
      codec = Compression::kNone;
    }
  }

  std::string out;
  out.reserve(kBatchHeaderSize + records.size());
  WireWriter w(out);
  w.i64(input.base_offset);
  w.i32(0);  // batchLength, patched below
  w.i32(input.partition_leader_epoch);
  w.i8(kMagic);
  w.u32(0);                            // crc, patched below
  w.i16(static_cast<int16_t>(codec));  // CreateTime, not transactional, not control
  w.i32(static_cast<int32_t>(input.values.size() - 1));
  w.i64(input.timestamp_ms);
  w.i64(input.timestamp_ms);
  w.i64(-1);  // producerId
  w.i16(-1);  // producerEpoch
  w.i32(-1);  // baseSequence
  w.i32(static_cast<int32_t>(input.values.size()));
  w.raw(records);
  w.patch_i32(kBatchLengthPos, static_cast<int32_t>(out.size() - kBatchLogOverhead));
  const uint32_t crc = crc32c::value(out.data() + kAttributesPos, out.size() - kAttributesPos);
  w.patch_i32(kCrcPos, static_cast<int32_t>(crc));
  return out;
}

namespace {

Result<size_t> decode_records(WireReader& r, size_t count, int64_t base_offset,
                              int64_t base_timestamp, std::vector<DecodedRecord>& out) {
  for (size_t i = 0; i < count; ++i) {
    const int32_t length = r.varint32();
    if (!r.ok()) return r.error();
    if (length < 0 || static_cast<size_t>(length) > r.remaining()) {
      return make_error_code(Errc::kBadRecord);
    }
    WireReader rec(r.raw(static_cast<size_t>(length)));
    DecodedRecord d;
    (void)rec.i8();  // attributes
    d.timestamp_ms = base_timestamp + rec.varint64();
    d.offset = base_offset + rec.varint32();
    for (std::optional<std::string>* field : {&d.key, &d.value}) {
      const int32_t n = rec.varint32();
      if (n < -1) rec.fail(Errc::kNegativeLength);
      if (n >= 0) *field = std::string(rec.raw(static_cast<size_t>(n)));
    }
    const int32_t headers = rec.varint32();
    for (int32_t h = 0; h < headers && rec.ok(); ++h) {
      for (int part = 0; part < 2; ++part) {
        const int32_t n = rec.varint32();
        if (n >= 0) (void)rec.raw(static_cast<size_t>(n));
      }
    }
    if (!rec.ok()) return rec.error();
    if (headers < 0 || !rec.at_end()) return make_error_code(Errc::kBadRecord);
    out.push_back(std::move(d));
  }
  if (!r.at_end()) return make_error_code(Errc::kTrailingBytes);
  return count;
}

}  // namespace

Result<std::vector<DecodedRecord>> decode_record_batches(std::string_view bytes,
                                                         size_t max_records_bytes) {
  std::vector<DecodedRecord> out;
  compress::ZstdDecompressor zstd;
  std::string inflated;
  WireReader all(bytes);
  while (!all.at_end()) {
    WireReader head(bytes.substr(all.position()));
    const int64_t base_offset = head.i64();
    const int32_t batch_length = head.i32();
    if (!head.ok()) return head.error();
    if (batch_length < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
        static_cast<size_t>(batch_length) > head.remaining()) {
      return make_error_code(Errc::kBadBatchLength);
    }
    const std::string_view batch = all.raw(kBatchLogOverhead + static_cast<size_t>(batch_length));
    WireReader r(batch.substr(kBatchLogOverhead));
    (void)r.i32();  // partitionLeaderEpoch
    if (r.i8() != kMagic) return make_error_code(Errc::kBadMagic);
    const uint32_t crc = r.u32();
    if (crc != crc32c::value(batch.data() + kAttributesPos, batch.size() - kAttributesPos)) {
      return make_error_code(Errc::kBadCrc);
    }
    const int16_t attributes = r.i16();
    (void)r.i32();  // lastOffsetDelta
    const int64_t base_timestamp = r.i64();
    (void)r.i64();           // maxTimestamp
    (void)r.raw(8 + 2 + 4);  // producerId, producerEpoch, baseSequence
    const int32_t count = r.i32();
    if (!r.ok()) return r.error();
    if (count < 0) return make_error_code(Errc::kNegativeLength);

    std::string_view records = batch.substr(kBatchHeaderSize);
    const int codec = attributes & kCodecMask;
    if (codec == static_cast<int>(Compression::kZstd)) {
      auto n = zstd.decompress(records, max_records_bytes, inflated);
      if (!n) {
        return make_error_code(n.error() == wire::Errc::kDecompressionBomb ? Errc::kTooLarge
                                                                           : Errc::kBadCompression);
      }
      records = inflated;
    } else if (codec != static_cast<int>(Compression::kNone)) {
      return make_error_code(Errc::kBadCompression);
    }
    if (static_cast<size_t>(count) * kMinRecordBytes > records.size()) {
      return make_error_code(Errc::kCountTooLarge);
    }
    WireReader rr(records);
    auto done = decode_records(rr, static_cast<size_t>(count), base_offset, base_timestamp, out);
    if (!done) return done.error();
  }
  return out;
}

}  // namespace ferry::consumer::kafka
