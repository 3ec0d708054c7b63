#pragma once
// In-memory stand-ins for the Kafka service's storage (consumer/kafka/live_log_view.h):
// FakeLiveLog holds each topic's record batches, FakeGroupOffsets the committed offsets.
// Both are thread-safe, so a test may append while the server's io thread reads.

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "consumer/kafka/live_log_view.h"
#include "consumer/kafka/record_batch.h"

namespace ferry::testing {

class FakeLiveLog final : public consumer::kafka::LiveLogView {
 public:
  void create_topic(const std::string& topic);
  // Appends `lines` as one batch from `host`; returns its base offset.
  int64_t append(const std::string& topic, const std::vector<std::string>& lines,
                 int64_t timestamp_ms = 1'800'000'000'000, const std::string& host = "web-01",
                 consumer::kafka::Compression compression = consumer::kafka::Compression::kNone);
  // Drops the batches wholly below `offset`; log_start becomes the first kept offset.
  void trim_before(const std::string& topic, int64_t offset);

  std::vector<std::string> topics() const override;
  std::optional<consumer::kafka::PartitionOffsets> offsets(std::string_view topic) const override;
  consumer::kafka::ReadResult read(std::string_view topic, int64_t offset,
                                   size_t max_bytes) const override;
  int64_t offset_for_time(std::string_view topic, int64_t ts_ms) const override;

 private:
  struct Batch {
    int64_t base = 0;
    int64_t count = 0;
    int64_t timestamp_ms = 0;
    std::string bytes;
  };
  struct Log {
    consumer::kafka::PartitionOffsets offsets;
    std::vector<Batch> batches;
  };
  mutable std::mutex mu_;
  std::map<std::string, Log, std::less<>> logs_;
};

class FakeGroupOffsets final : public consumer::kafka::GroupOffsetStore {
 public:
  std::error_code commit(std::string_view group, std::string_view topic, int32_t partition,
                         const consumer::kafka::CommittedOffset& offset) override;
  std::optional<consumer::kafka::CommittedOffset> fetch(std::string_view group,
                                                        std::string_view topic,
                                                        int32_t partition) const override;
  size_t commits() const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int32_t>, consumer::kafka::CommittedOffset>
      offsets_;
  size_t commits_ = 0;
};

}  // namespace ferry::testing
