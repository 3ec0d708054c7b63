// KafkaService: the APIs that read the live log (Metadata, ListOffsets, Fetch).
#include <algorithm>
#include <limits>

#include "consumer/kafka/api_keys.h"
#include "consumer/kafka/kafka_service.h"

namespace ferry::consumer::kafka {
namespace {

constexpr int32_t kNodeId = 0;
constexpr int32_t kPartition = 0;
constexpr int32_t kLeaderEpoch = 0;
constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
// A client may ask to wait up to 2^31 ms; no Fetch holds its connection longer than this.
constexpr int32_t kMaxWaitMs = 30'000;
constexpr int32_t kOperationsNotRequested = std::numeric_limits<int32_t>::min();
// Smallest encodings of array elements, for WireReader::array_count.
constexpr size_t kMinTopic = 2 + 4;  // name, partition count

void write_error(WireWriter& w, ErrorCode e) { w.i16(static_cast<int16_t>(e)); }

}  // namespace

std::string KafkaService::metadata(Request& req) {
  WireReader& r = req.body;
  const int v = req.version;
  std::optional<std::vector<std::string>> wanted;  // nullopt: every topic
  const std::optional<size_t> count =
      v == 0 ? std::optional(r.array_count(2)) : r.nullable_array_count(2);
  if (count && !(v == 0 && *count == 0)) {
    wanted.emplace();
    wanted->reserve(*count);
    for (size_t i = 0; i < *count; ++i) wanted->emplace_back(r.string());
  }
  if (v >= 4) (void)r.boolean();  // allow_auto_topic_creation: topics are never created
  if (v >= 8) {
    (void)r.boolean();  // include_cluster_authorized_operations
    (void)r.boolean();  // include_topic_authorized_operations
  }
  if (!r.ok()) return {};

  std::string out = start_response(req);
  WireWriter w(out);
  if (v >= 3) w.i32(0);  // throttle_time_ms
  w.array_count(1);      // brokers: this consumer alone
  w.i32(kNodeId);
  w.string(options_.advertised_host);
  w.i32(options_.advertised_port);
  if (v >= 1) w.nullable_string(std::nullopt);  // rack
  if (v >= 2) w.nullable_string(options_.cluster_id);
  if (v >= 1) w.i32(kNodeId);  // controller_id

  const std::vector<std::string> topics = wanted ? *wanted : log_.topics();
  w.array_count(topics.size());
  for (const std::string& topic : topics) {
    const bool known = log_.offsets(topic).has_value();
    write_error(w, known ? ErrorCode::kNone : ErrorCode::kUnknownTopicOrPartition);
    w.string(topic);
    if (v >= 1) w.boolean(false);  // is_internal
    w.array_count(known ? 1 : 0);
    if (known) {
      write_error(w, ErrorCode::kNone);
      w.i32(kPartition);
      w.i32(kNodeId);  // leader
      if (v >= 7) w.i32(kLeaderEpoch);
      for (int list = 0; list < 2; ++list) {  // replicas, in-sync replicas
        w.array_count(1);
        w.i32(kNodeId);
      }
      if (v >= 5) w.array_count(0);  // offline replicas
    }
    if (v >= 8) w.i32(kOperationsNotRequested);
  }
  if (v >= 8) w.i32(kOperationsNotRequested);
  return out;
}

std::string KafkaService::list_offsets(Request& req) {
  WireReader& r = req.body;
  const int v = req.version;
  struct Wanted {
    std::string topic;
    std::vector<std::pair<int32_t, int64_t>> partitions;  // index, timestamp
  };
  (void)r.i32();             // replica_id
  if (v >= 2) (void)r.i8();  // isolation_level: everything stored is committed
  std::vector<Wanted> wanted(r.array_count(kMinTopic));
  for (Wanted& t : wanted) {
    t.topic = r.string();
    t.partitions.resize(r.array_count(v >= 4 ? 16 : 12));
    for (auto& [index, timestamp] : t.partitions) {
      index = r.i32();
      if (v >= 4) (void)r.i32();  // current_leader_epoch
      timestamp = r.i64();
    }
  }
  if (!r.ok()) return {};

  std::string out = start_response(req);
  WireWriter w(out);
  if (v >= 2) w.i32(0);  // throttle_time_ms
  w.array_count(wanted.size());
  for (const Wanted& t : wanted) {
    w.string(t.topic);
    w.array_count(t.partitions.size());
    const std::optional<PartitionOffsets> offsets = log_.offsets(t.topic);
    for (const auto& [index, timestamp] : t.partitions) {
      w.i32(index);
      int64_t found_ts = -1;
      int64_t found = -1;
      if (!offsets || index != kPartition) {
        write_error(w, ErrorCode::kUnknownTopicOrPartition);
      } else {
        write_error(w, ErrorCode::kNone);
        if (timestamp == kLatest) {
          found = offsets->high_watermark;
        } else if (timestamp == kEarliest) {
          found = offsets->log_start;
        } else {
          // As Kafka: no record at or after the time is offset -1, timestamp -1. The
          // found batch's own timestamp is not known here; the asked one stands in.
          const int64_t at = log_.offset_for_time(t.topic, timestamp);
          if (at < offsets->high_watermark) {
            found = at;
            found_ts = timestamp;
          }
        }
      }
      w.i64(found_ts);
      w.i64(found);
      if (v >= 4) w.i32(kLeaderEpoch);
    }
  }
  return out;
}

Reply KafkaService::fetch(Request& req, bool may_wait) {
  WireReader& r = req.body;
  const int v = req.version;
  struct Wanted {
    std::string topic;
    std::vector<std::pair<int32_t, int64_t>> partitions;  // index, fetch offset
    std::vector<int32_t> partition_max_bytes;
  };
  (void)r.i32();  // replica_id
  const int32_t max_wait_ms = r.i32();
  const int32_t min_bytes = r.i32();
  const int32_t max_bytes = r.i32();
  (void)r.i8();  // isolation_level: everything stored is committed
  if (v >= 7) {
    (void)r.i32();  // session_id: sessions are not supported; every fetch is a full one
    (void)r.i32();  // session_epoch
  }
  std::vector<Wanted> wanted(r.array_count(kMinTopic));
  const size_t partition_bytes = 4 + 8 + 4 + (v >= 5 ? 8 : 0) + (v >= 9 ? 4 : 0);
  for (Wanted& t : wanted) {
    t.topic = r.string();
    const size_t n = r.array_count(partition_bytes);
    t.partitions.resize(n);
    t.partition_max_bytes.resize(n);
    for (size_t i = 0; i < n; ++i) {
      t.partitions[i].first = r.i32();
      if (v >= 9) (void)r.i32();  // current_leader_epoch
      t.partitions[i].second = r.i64();
      if (v >= 5) (void)r.i64();  // log_start_offset: a follower's, not ours
      t.partition_max_bytes[i] = r.i32();
    }
  }
  if (v >= 7) {  // forgotten_topics_data: only meaningful within a session
    const size_t forgotten = r.array_count(kMinTopic);
    for (size_t i = 0; i < forgotten && r.ok(); ++i) {
      (void)r.string();
      (void)r.raw(4 * r.array_count(4));
    }
  }
  if (v >= 11) (void)r.string();  // rack_id
  if (!r.ok()) return {};

  // Records go in up to max_bytes (clamped) in all, partition_max_bytes each, except
  // that the first non-empty partition always gets a whole batch, so a client whose
  // limit is below one batch still makes progress.
  const size_t budget =
      std::min<size_t>(static_cast<size_t>(std::max(max_bytes, 0)), options_.max_fetch_bytes);
  size_t total = 0;
  bool any_error = false;
  std::string out = start_response(req);
  WireWriter w(out);
  w.i32(0);  // throttle_time_ms
  if (v >= 7) {
    write_error(w, ErrorCode::kNone);
    w.i32(0);  // session_id: no session was created
  }
  w.array_count(wanted.size());
  for (const Wanted& t : wanted) {
    w.string(t.topic);
    w.array_count(t.partitions.size());
    for (size_t i = 0; i < t.partitions.size(); ++i) {
      const auto [index, offset] = t.partitions[i];
      ReadResult read;
      ErrorCode error = ErrorCode::kNone;
      const std::optional<PartitionOffsets> known = log_.offsets(t.topic);
      if (!known || index != kPartition) {
        error = ErrorCode::kUnknownTopicOrPartition;
        read.offsets = {-1, -1};
      } else {
        const size_t room =
            std::min<size_t>(budget - std::min(budget, total),
                             static_cast<size_t>(std::max(t.partition_max_bytes[i], 0)));
        if (room == 0 && total > 0) {
          read.offsets = *known;
        } else {
          read = log_.read(t.topic, offset, std::max<size_t>(room, 1));
          if (read.out_of_range) {
            error = ErrorCode::kOffsetOutOfRange;
            read.record_batches.clear();
          } else if (read.record_batches.size() > room && total > 0) {
            read.record_batches.clear();  // over budget, and not the first: next fetch
          }
        }
      }
      any_error = any_error || error != ErrorCode::kNone;
      total += read.record_batches.size();
      w.i32(index);
      write_error(w, error);
      w.i64(read.offsets.high_watermark);
      w.i64(read.offsets.high_watermark);  // last_stable_offset: no transactions
      if (v >= 5) w.i64(read.offsets.log_start);
      w.array_count(0);        // aborted_transactions
      if (v >= 11) w.i32(-1);  // preferred_read_replica: this one
      w.bytes(read.record_batches);
    }
  }

  if (may_wait && !any_error && max_wait_ms > 0 &&
      total < static_cast<size_t>(std::max(min_bytes, 0))) {
    Reply wait;
    wait.wait = std::chrono::milliseconds(std::min(max_wait_ms, kMaxWaitMs));
    for (const Wanted& t : wanted) wait.wait_topics.push_back(t.topic);
    return wait;
  }
  Reply reply;
  reply.response = std::move(out);
  for (const Wanted& t : wanted) {
    for (const auto& [index, offset] : t.partitions) reply.fetched.emplace_back(t.topic, offset);
  }
  return reply;
}

}  // namespace ferry::consumer::kafka
