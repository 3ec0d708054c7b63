#include "consumer/live/live_log.h"

#include <limits>

#include "common/storage/key_codec.h"
#include "consumer/store/batch_id.h"

namespace ferry::consumer::live {
namespace {

constexpr size_t kRecordHeaderBytes = 8 + 4 + 4;  // append time, records, id key length
constexpr size_t kMaxGroupBytes = 1024;
constexpr size_t kMaxCommitMetadataBytes = 4096;
constexpr size_t kMaxTrimPerTopic = 10000;  // per trim() call: bounded write batches

uint32_t get_be32(std::string_view in) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4 && i < in.size(); ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

void put_be32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string record_key(std::string_view topic, int64_t last_offset) {
  std::string k;
  storage::put_name(k, topic);
  storage::put_be64(k, static_cast<uint64_t>(last_offset));
  return k;
}

std::string topic_prefix(std::string_view topic) {
  std::string k;
  storage::put_name(k, topic);
  return k;
}

std::string topic_value(const kafka::PartitionOffsets& o, uint64_t bytes) {
  std::string v;
  storage::put_be64(v, static_cast<uint64_t>(o.log_start));
  storage::put_be64(v, static_cast<uint64_t>(o.high_watermark));
  storage::put_be64(v, bytes);
  return v;
}

std::string group_key(std::string_view group, std::string_view topic, int32_t partition) {
  std::string k;
  k.push_back(static_cast<char>(group.size() >> 8));
  k.push_back(static_cast<char>(group.size() & 0xFF));
  k.append(group);
  storage::put_name(k, topic);
  put_be32(k, static_cast<uint32_t>(partition));
  return k;
}

// A stored record: its header, then the Kafka record batch as served.
struct StoredRecord {
  int64_t append_ms = 0;
  uint32_t records = 0;
  std::string_view id_key;
  std::string_view batch;
};

std::optional<StoredRecord> parse_record(std::string_view v) {
  if (v.size() < kRecordHeaderBytes) return std::nullopt;
  StoredRecord r;
  r.append_ms = static_cast<int64_t>(storage::get_be64(v));
  r.records = get_be32(v.substr(8));
  const uint32_t id_len = get_be32(v.substr(12));
  if (v.size() < kRecordHeaderBytes + id_len) return std::nullopt;
  r.id_key = v.substr(kRecordHeaderBytes, id_len);
  r.batch = v.substr(kRecordHeaderBytes + id_len);
  return r;
}

bool kafka_topic_name(std::string_view name) {
  // Categories are batch::valid_name already ([A-Za-z0-9._-]); Kafka caps topics at 249.
  return !name.empty() && name.size() <= 249;
}

}  // namespace

Result<std::unique_ptr<LiveLog>> LiveLog::open(const LiveLogOptions& options, std::string& why) {
  storage::RocksOptions ro;
  ro.path = options.path;
  ro.column_families = {"records", "ids", "topics", "groups"};
  ro.dir_mode = options.dir_mode;
  ro.write_buffer_bytes = 16u << 20;
  ro.compress_tables = false;  // record batches are zstd already (or "none" by choice)
  BOOST_OUTCOME_TRY(db, storage::RocksStore::open(ro, why));
  std::unique_ptr<LiveLog> log(new LiveLog(std::move(db), options));
  BOOST_OUTCOME_TRY(log->load_topics());
  return log;
}

LiveLog::LiveLog(std::unique_ptr<storage::RocksStore> db, LiveLogOptions options)
    : db_(std::move(db)),
      options_(std::move(options)),
      records_cf_(db_->cf("records")),
      ids_cf_(db_->cf("ids")),
      topics_cf_(db_->cf("topics")),
      groups_cf_(db_->cf("groups")) {}

Result<void> LiveLog::load_topics() {
  return db_->scan(topics_cf_, "", [this](std::string_view key, std::string_view value) {
    std::string_view k = key;
    std::string name(storage::take_name(k));
    if (name.empty() || value.size() < 24) return true;  // written by nothing we know
    Topic t;
    t.offsets.log_start = static_cast<int64_t>(storage::get_be64(value));
    t.offsets.high_watermark = static_cast<int64_t>(storage::get_be64(value.substr(8)));
    t.bytes = storage::get_be64(value.substr(16));
    topics_.emplace(std::move(name), t);
    return true;
  });
}

Result<AppendOutcome> LiveLog::append(const batch::BatchId& id,
                                      std::span<const std::string_view> lines, int64_t now_ms) {
  if (lines.empty() || !kafka_topic_name(id.category)) return AppendOutcome::kAlreadyPresent;
  const std::string id_key = store::batch_id_key(id);
  BOOST_OUTCOME_TRY(present, db_->get(ids_cf_, id_key));
  if (present) return AppendOutcome::kAlreadyPresent;

  Topic topic;
  {
    std::lock_guard lock(mutex_);
    if (auto it = topics_.find(id.category); it != topics_.end()) topic = it->second;
  }
  kafka::RecordBatchInput in;
  in.base_offset = topic.offsets.high_watermark;
  in.timestamp_ms = now_ms;
  in.key = id.host;
  in.values.assign(lines.begin(), lines.end());
  in.compression = options_.compression;
  std::string value;
  storage::put_be64(value, static_cast<uint64_t>(now_ms));
  put_be32(value, static_cast<uint32_t>(lines.size()));
  put_be32(value, static_cast<uint32_t>(id_key.size()));
  value += id_key;
  value += kafka::encode_record_batch(in);

  topic.offsets.high_watermark += static_cast<int64_t>(lines.size());
  topic.bytes += value.size();
  auto wb = db_->new_batch();
  wb.put(records_cf_, record_key(id.category, topic.offsets.high_watermark - 1), value);
  wb.put(ids_cf_, id_key, "");
  wb.put(topics_cf_, topic_prefix(id.category), topic_value(topic.offsets, topic.bytes));
  BOOST_OUTCOME_TRY(db_->write(wb, false));
  std::lock_guard lock(mutex_);
  topics_[id.category] = topic;
  return AppendOutcome::kAppended;
}

Result<void> LiveLog::sync() { return db_->flush_wal(true); }

Result<size_t> LiveLog::trim(int64_t now_ms) {
  std::vector<std::string> names = topics();
  size_t dropped = 0;
  for (const auto& name : names) {
    BOOST_OUTCOME_TRY(n, trim_topic(name, now_ms));
    dropped += n;
  }
  return dropped;
}

Result<size_t> LiveLog::trim_topic(const std::string& name, int64_t now_ms) {
  Topic topic;
  {
    std::lock_guard lock(mutex_);
    topic = topics_.at(name);
  }
  auto wb = db_->new_batch();
  size_t dropped = 0;
  Result<void> scanned =
      db_->scan(records_cf_, topic_prefix(name), [&](std::string_view key, std::string_view value) {
        auto r = parse_record(value);
        const bool too_old = r && now_ms - r->append_ms > options_.retention_ms;
        const bool too_big = topic.bytes > options_.retention_bytes;
        if (r && !too_old && !too_big) return false;
        wb.del(records_cf_, key);
        if (r) wb.del(ids_cf_, r->id_key);
        std::string_view k = key;
        storage::take_name(k);
        topic.offsets.log_start = static_cast<int64_t>(storage::get_be64(k)) + 1;
        topic.bytes -= std::min<uint64_t>(topic.bytes, value.size());
        return ++dropped < kMaxTrimPerTopic;
      });
  if (!scanned) return scanned.error();
  if (dropped == 0) return size_t{0};
  wb.put(topics_cf_, topic_prefix(name), topic_value(topic.offsets, topic.bytes));
  BOOST_OUTCOME_TRY(db_->write(wb, false));
  std::lock_guard lock(mutex_);
  // append() runs on this thread too: nothing changed the topic since the copy above.
  auto& live = topics_.at(name);
  live.offsets.log_start = topic.offsets.log_start;
  live.bytes = topic.bytes;
  return dropped;
}

std::vector<std::string> LiveLog::topics() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, topic] : topics_) names.push_back(name);
  return names;
}

std::optional<kafka::PartitionOffsets> LiveLog::offsets(std::string_view topic) const {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return std::nullopt;
  return it->second.offsets;
}

kafka::ReadResult LiveLog::read(std::string_view topic, int64_t offset, size_t max_bytes) const {
  kafka::ReadResult result;
  auto offsets = this->offsets(topic);
  if (!offsets) {
    result.out_of_range = true;
    return result;
  }
  result.offsets = *offsets;
  if (offset < offsets->log_start || offset > offsets->high_watermark) {
    result.out_of_range = true;
    return result;
  }
  // Up to the high watermark read above, so the answer is one consistent view even while
  // the worker appends.
  auto scanned = db_->scan_range(records_cf_, record_key(topic, offset),
                                 record_key(topic, offsets->high_watermark),
                                 [&](std::string_view, std::string_view value) {
                                   auto r = parse_record(value);
                                   if (!r) return false;
                                   if (!result.record_batches.empty() &&
                                       result.record_batches.size() + r->batch.size() > max_bytes) {
                                     return false;
                                   }
                                   result.record_batches.append(r->batch);
                                   return result.record_batches.size() < max_bytes;
                                 });
  if (!scanned) result.record_batches.clear();  // read again on the next fetch
  return result;
}

int64_t LiveLog::offset_for_time(std::string_view topic, int64_t ts_ms) const {
  auto offsets = this->offsets(topic);
  if (!offsets) return 0;
  int64_t found = offsets->high_watermark;
  (void)db_->scan(records_cf_, topic_prefix(topic),
                  [&](std::string_view key, std::string_view value) {
                    auto r = parse_record(value);
                    if (!r || r->append_ms < ts_ms) return true;
                    std::string_view k = key;
                    storage::take_name(k);
                    found = static_cast<int64_t>(storage::get_be64(k)) + 1 - r->records;
                    return false;
                  });
  return std::max(found, offsets->log_start);
}

std::error_code LiveLog::commit(std::string_view group, std::string_view topic, int32_t partition,
                                const kafka::CommittedOffset& offset) {
  if (group.empty() || group.size() > kMaxGroupBytes || !kafka_topic_name(topic) ||
      offset.metadata.size() > kMaxCommitMetadataBytes) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::string value;
  storage::put_be64(value, static_cast<uint64_t>(offset.offset));
  value += offset.metadata;
  auto wb = db_->new_batch();
  wb.put(groups_cf_, group_key(group, topic, partition), value);
  // Not synced: a crash of the process keeps it; a power loss may take the group back to
  // an earlier commit, and its members then read some lines again.
  auto written = db_->write(wb, false);
  return written ? std::error_code{} : written.error();
}

std::optional<kafka::CommittedOffset> LiveLog::fetch(std::string_view group, std::string_view topic,
                                                     int32_t partition) const {
  if (group.size() > kMaxGroupBytes || !kafka_topic_name(topic)) return std::nullopt;
  auto got = db_->get(groups_cf_, group_key(group, topic, partition));
  if (!got || !got.value() || got.value()->size() < 8) return std::nullopt;
  kafka::CommittedOffset c;
  c.offset = static_cast<int64_t>(storage::get_be64(*got.value()));
  c.metadata = got.value()->substr(8);
  return c;
}

std::map<std::string, LiveLog::TopicStats> LiveLog::stats() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, TopicStats> out;
  for (const auto& [name, topic] : topics_) out[name] = {topic.offsets, topic.bytes};
  return out;
}

std::vector<LiveLog::GroupCommit> LiveLog::group_commits() const {
  std::vector<GroupCommit> out;
  (void)db_->scan(groups_cf_, "", [&](std::string_view key, std::string_view value) {
    if (key.size() < 2 || value.size() < 8) return true;
    const size_t n = (static_cast<uint8_t>(key[0]) << 8) | static_cast<uint8_t>(key[1]);
    if (key.size() < 2 + n) return true;
    GroupCommit c;
    c.group = key.substr(2, n);
    std::string_view rest = key.substr(2 + n);
    c.topic = storage::take_name(rest);
    c.partition = static_cast<int32_t>(get_be32(rest));
    c.offset = static_cast<int64_t>(storage::get_be64(value));
    out.push_back(std::move(c));
    return true;
  });
  return out;
}

}  // namespace ferry::consumer::live
