#pragma once
// What the Kafka service reads and writes (docs/subscribe.md): the consumer's live log of
// each category (a topic with one partition, 0) and the offsets consumer groups commit.
// Implemented over RocksDB by consumer/live/; tests use an in-memory fake. Called from the
// Kafka io thread only; implementations may block on disk reads but never on delivery.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace ferry::consumer::kafka {

struct PartitionOffsets {
  int64_t log_start = 0;       // first offset still retained
  int64_t high_watermark = 0;  // offset the next appended record gets
};

struct ReadResult {
  // Whole Kafka record batches (magic 2), concatenated, base offsets as stored. The first
  // holds the requested offset (it may start before it: clients skip the records below).
  // At least one batch when the offset is below the high watermark, even past max_bytes.
  std::string record_batches;
  PartitionOffsets offsets;
  bool out_of_range = false;  // offset < log_start or > high_watermark
};

class LiveLogView {
 public:
  virtual ~LiveLogView() = default;
  // Topics that have a log (categories seen within retention), sorted.
  virtual std::vector<std::string> topics() const = 0;
  // nullopt: no such topic.
  virtual std::optional<PartitionOffsets> offsets(std::string_view topic) const = 0;
  virtual ReadResult read(std::string_view topic, int64_t offset, size_t max_bytes) const = 0;
  // The first offset whose record batch has a timestamp >= ts_ms; the high watermark if none.
  virtual int64_t offset_for_time(std::string_view topic, int64_t ts_ms) const = 0;
};

struct CommittedOffset {
  int64_t offset = -1;
  std::string metadata;
};

class GroupOffsetStore {
 public:
  virtual ~GroupOffsetStore() = default;
  // Durable when it returns without error.
  virtual std::error_code commit(std::string_view group, std::string_view topic,
                                 int32_t partition, const CommittedOffset& offset) = 0;
  virtual std::optional<CommittedOffset> fetch(std::string_view group, std::string_view topic,
                                               int32_t partition) const = 0;
};

}  // namespace ferry::consumer::kafka
