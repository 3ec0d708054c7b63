#pragma once
// The consumer's live log (docs/subscribe.md): every category's lines, in the order the
// consumer accepted their batches, as Kafka record batches with dense offsets, kept for a
// bounded time and size so subscribers can read live and resume from an offset.
//
// One record batch per Ferry batch, appended on the store's worker right after the store
// accepted it as new. The batch's id is recorded with it, so a batch resent after a crash
// or a broker failover gets no second offset: exactly once per offset, independent of
// when the output commits. Trimming past retention drops ids with their records.
//
// Layout in its own RocksDB (<data_dir>/live), so its compactions never stall the commit
// manifest: "records" holds topic + be64(last offset of the batch) -> header + batch, keyed
// by the last offset so that the batch holding offset X is the first key >= X (a forward
// seek); "ids" the batch ids present; "topics" each topic's offsets and size; "groups"
// the offsets consumer groups commit.
//
// Thread-safety: append() and trim() from one thread (the worker), the LiveLogView and
// GroupOffsetStore calls from another (the Kafka io thread).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/batch/batch_id.h"
#include "common/storage/rocks_store.h"
#include "consumer/kafka/live_log_view.h"
#include "consumer/kafka/record_batch.h"

namespace ferry::consumer::live {

struct LiveLogOptions {
  std::string path;                           // the RocksDB directory
  int64_t retention_ms = 24 * 3600 * 1000LL;  // a batch older than this goes
  uint64_t retention_bytes = 1ull << 30;      // per topic: the oldest go past this
  kafka::Compression compression = kafka::Compression::kZstd;
  mode_t dir_mode = 0750;
};

enum class AppendOutcome { kAppended, kAlreadyPresent };

class LiveLog final : public kafka::LiveLogView, public kafka::GroupOffsetStore {
 public:
  static Result<std::unique_ptr<LiveLog>> open(const LiveLogOptions& options, std::string& why);

  // Appends the lines of one batch (without their newlines) to its category's topic, the
  // host as every record's key, unless the id is already in the log. Not synced: sync()
  // makes everything appended so far survive a power loss.
  Result<AppendOutcome> append(const batch::BatchId& id, std::span<const std::string_view> lines,
                               int64_t now_ms);
  Result<void> sync();
  // Drops batches past retention from the front of every topic; returns how many.
  Result<size_t> trim(int64_t now_ms);

  std::vector<std::string> topics() const override;
  std::optional<kafka::PartitionOffsets> offsets(std::string_view topic) const override;
  kafka::ReadResult read(std::string_view topic, int64_t offset, size_t max_bytes) const override;
  int64_t offset_for_time(std::string_view topic, int64_t ts_ms) const override;

  std::error_code commit(std::string_view group, std::string_view topic, int32_t partition,
                         const kafka::CommittedOffset& offset) override;
  std::optional<kafka::CommittedOffset> fetch(std::string_view group, std::string_view topic,
                                              int32_t partition) const override;

  // Totals for /metrics and the dashboard.
  struct TopicStats {
    kafka::PartitionOffsets offsets;
    uint64_t bytes = 0;
  };
  std::map<std::string, TopicStats> stats() const;
  // Every offset a consumer group committed, for its lag.
  struct GroupCommit {
    std::string group, topic;
    int32_t partition = 0;
    int64_t offset = 0;
  };
  std::vector<GroupCommit> group_commits() const;

 private:
  struct Topic {
    kafka::PartitionOffsets offsets;
    uint64_t bytes = 0;  // retained record batches
  };
  LiveLog(std::unique_ptr<storage::RocksStore> db, LiveLogOptions options);
  Result<void> load_topics();
  Result<size_t> trim_topic(const std::string& name, int64_t now_ms);

  std::unique_ptr<storage::RocksStore> db_;
  LiveLogOptions options_;
  int records_cf_, ids_cf_, topics_cf_, groups_cf_;
  mutable std::mutex mutex_;  // guards topics_
  std::map<std::string, Topic, std::less<>> topics_;
};

}  // namespace ferry::consumer::live
