#include "tests/fakes/fake_live_log.h"

namespace ferry::testing {

using consumer::kafka::CommittedOffset;
using consumer::kafka::PartitionOffsets;
using consumer::kafka::ReadResult;

void FakeLiveLog::create_topic(const std::string& topic) {
  std::lock_guard lock(mu_);
  logs_[topic];
}

int64_t FakeLiveLog::append(const std::string& topic, const std::vector<std::string>& lines,
                            int64_t timestamp_ms, const std::string& host,
                            consumer::kafka::Compression compression) {
  std::lock_guard lock(mu_);
  Log& log = logs_[topic];
  consumer::kafka::RecordBatchInput in;
  in.base_offset = log.offsets.high_watermark;
  in.timestamp_ms = timestamp_ms;
  in.key = host;
  in.values.assign(lines.begin(), lines.end());
  in.compression = compression;
  const auto count = static_cast<int64_t>(lines.size());
  log.batches.push_back({in.base_offset, count, timestamp_ms, encode_record_batch(in)});
  log.offsets.high_watermark += count;
  return in.base_offset;
}

void FakeLiveLog::trim_before(const std::string& topic, int64_t offset) {
  std::lock_guard lock(mu_);
  Log& log = logs_[topic];
  while (!log.batches.empty() && log.batches.front().base + log.batches.front().count <= offset) {
    log.batches.erase(log.batches.begin());
  }
  log.offsets.log_start =
      log.batches.empty() ? log.offsets.high_watermark : log.batches.front().base;
}

std::vector<std::string> FakeLiveLog::topics() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, log] : logs_) out.push_back(name);
  return out;
}

std::optional<PartitionOffsets> FakeLiveLog::offsets(std::string_view topic) const {
  std::lock_guard lock(mu_);
  auto it = logs_.find(topic);
  if (it == logs_.end()) return std::nullopt;
  return it->second.offsets;
}

ReadResult FakeLiveLog::read(std::string_view topic, int64_t offset, size_t max_bytes) const {
  std::lock_guard lock(mu_);
  ReadResult result;
  auto it = logs_.find(topic);
  if (it == logs_.end()) {
    result.out_of_range = true;
    return result;
  }
  const Log& log = it->second;
  result.offsets = log.offsets;
  if (offset < log.offsets.log_start || offset > log.offsets.high_watermark) {
    result.out_of_range = true;
    return result;
  }
  for (const Batch& b : log.batches) {
    if (b.base + b.count <= offset) continue;
    if (!result.record_batches.empty() && result.record_batches.size() + b.bytes.size() > max_bytes)
      break;
    result.record_batches += b.bytes;
  }
  return result;
}

int64_t FakeLiveLog::offset_for_time(std::string_view topic, int64_t ts_ms) const {
  std::lock_guard lock(mu_);
  auto it = logs_.find(topic);
  if (it == logs_.end()) return 0;
  for (const Batch& b : it->second.batches) {
    if (b.timestamp_ms >= ts_ms) return b.base;
  }
  return it->second.offsets.high_watermark;
}

std::error_code FakeGroupOffsets::commit(std::string_view group, std::string_view topic,
                                         int32_t partition, const CommittedOffset& offset) {
  std::lock_guard lock(mu_);
  offsets_[{std::string(group), std::string(topic), partition}] = offset;
  ++commits_;
  return {};
}

std::optional<CommittedOffset> FakeGroupOffsets::fetch(std::string_view group,
                                                       std::string_view topic,
                                                       int32_t partition) const {
  std::lock_guard lock(mu_);
  auto it = offsets_.find({std::string(group), std::string(topic), partition});
  if (it == offsets_.end()) return std::nullopt;
  return it->second;
}

size_t FakeGroupOffsets::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

}  // namespace ferry::testing
