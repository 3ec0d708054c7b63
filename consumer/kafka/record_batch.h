#pragma once
// Kafka record batches, magic 2 (kafka.apache.org/documentation/#recordbatch), as the
// live log stores them and Fetch returns them:
//
//   baseOffset int64 | batchLength int32 (bytes after this field) | partitionLeaderEpoch
//   int32 | magic int8 = 2 | crc uint32 (CRC-32C of attributes..end) | attributes int16
//   (bits 0-2 codec: 0 none, 4 zstd; timestamp type CreateTime) | lastOffsetDelta int32 |
//   baseTimestamp int64 | maxTimestamp int64 | producerId int64 = -1 | producerEpoch
//   int16 = -1 | baseSequence int32 = -1 | record count int32 | records
//
// Each record: length varint | attributes int8 | timestampDelta varlong | offsetDelta
// varint | key (varint length, -1 null) | value (same) | header count varint = 0. With
// zstd the records (not the count) are one zstd frame.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace ferry::consumer::kafka {

enum class Compression : uint8_t { kNone = 0, kZstd = 4 };

struct RecordBatchInput {
  int64_t base_offset = 0;
  int64_t timestamp_ms = 0;              // CreateTime of every record
  std::string_view key;                  // the same for every record: the sending host's name
  std::vector<std::string_view> values;  // one record each (log lines); at least one
  Compression compression = Compression::kNone;
  int32_t partition_leader_epoch = 0;  // 0, or -1 for "unknown"
};

// One whole batch. If zstd fails (it should not), the batch is written uncompressed.
std::string encode_record_batch(const RecordBatchInput& input);

struct DecodedRecord {
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

// Every record of the concatenated batches in `bytes`, for tests and checks. Verifies
// lengths, magic and CRC, and decompresses zstd with at most `max_records_bytes` of
// output per batch. Errors (consumer/kafka/errc.h) name what was wrong; hostile input
// never allocates more than its own size or max_records_bytes.
Result<std::vector<DecodedRecord>> decode_record_batches(std::string_view bytes,
                                                         size_t max_records_bytes = 64 << 20);

// Sizes of the fixed parts, for readers that walk batches without decoding them.
inline constexpr size_t kBatchLogOverhead = 12;  // baseOffset + batchLength
inline constexpr size_t kBatchHeaderSize = 61;   // baseOffset .. record count

}  // namespace ferry::consumer::kafka
