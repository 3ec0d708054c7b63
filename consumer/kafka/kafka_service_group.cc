// KafkaService: the consumer group APIs (FindCoordinator, OffsetCommit, OffsetFetch,
// JoinGroup, SyncGroup, Heartbeat, LeaveGroup).
#include "consumer/kafka/api_keys.h"
#include "consumer/kafka/kafka_service.h"

namespace ferry::consumer::kafka {
namespace {

constexpr int32_t kNodeId = 0;
constexpr int8_t kGroupKey = 0;
// Kafka's offset.metadata.max.bytes default.
constexpr size_t kMaxOffsetMetadata = 4096;

void write_error(WireWriter& w, ErrorCode e) { w.i16(static_cast<int16_t>(e)); }

// An array of (string, bytes): JoinGroup's protocols, SyncGroup's assignments.
void read_named_bytes(WireReader& r, std::vector<std::pair<std::string, std::string>>& out) {
  out.resize(r.array_count(2 + 4));
  for (auto& [name, bytes] : out) {
    name = r.string();
    bytes = r.bytes();
  }
}

Reply later(std::shared_ptr<DeferredReply> deferred) {
  Reply reply;
  reply.deferred = std::move(deferred);
  return reply;
}

// A coordinator completion that writes the response body after `header` and hands the
// response to `deferred`.
template <class Result, class Write>
std::function<void(const Result&)> completing(std::shared_ptr<DeferredReply> deferred,
                                              std::string header, Write write) {
  return [deferred, header = std::move(header), write](const Result& result) mutable {
    WireWriter w(header);
    write(w, result);
    deferred->complete(std::move(header));
  };
}

}  // namespace

std::string KafkaService::find_coordinator(Request& req) {
  WireReader& r = req.body;
  (void)r.string();  // key: the group id; every group's coordinator is this consumer
  const int8_t key_type = req.version >= 1 ? r.i8() : kGroupKey;
  if (!r.ok()) return {};
  const bool ours = key_type == kGroupKey;  // transactions have no coordinator here
  std::string out = start_response(req);
  WireWriter w(out);
  if (req.version >= 1) w.i32(0);  // throttle_time_ms
  write_error(w, ours ? ErrorCode::kNone : ErrorCode::kCoordinatorNotAvailable);
  if (req.version >= 1) w.nullable_string(std::nullopt);  // error_message
  w.i32(ours ? kNodeId : -1);
  w.string(ours ? options_.advertised_host : "");
  w.i32(ours ? options_.advertised_port : -1);
  return out;
}

std::string KafkaService::offset_commit(Request& req) {
  WireReader& r = req.body;
  const int v = req.version;
  struct Partition {
    int32_t index = 0;
    int64_t offset = 0;
    std::optional<std::string_view> metadata;
  };
  const std::string group(r.string());
  const int32_t generation = r.i32();
  const std::string member(r.string());
  if (v >= 7) (void)r.nullable_string();  // group_instance_id
  if (v <= 4) (void)r.i64();              // retention_time_ms
  std::vector<std::pair<std::string_view, std::vector<Partition>>> topics(r.array_count(6));
  for (auto& [topic, partitions] : topics) {
    topic = r.string();
    partitions.resize(r.array_count(v >= 6 ? 18 : 14));
    for (Partition& p : partitions) {
      p.index = r.i32();
      p.offset = r.i64();
      if (v >= 6) (void)r.i32();  // committed_leader_epoch
      p.metadata = r.nullable_string();
    }
  }
  if (!r.ok()) return {};

  const ErrorCode membership = groups_.check_commit(group, generation, member);
  std::string out = start_response(req);
  WireWriter w(out);
  if (v >= 3) w.i32(0);  // throttle_time_ms
  w.array_count(topics.size());
  for (const auto& [topic, partitions] : topics) {
    w.string(topic);
    w.array_count(partitions.size());
    const bool known = log_.offsets(topic).has_value();
    for (const Partition& p : partitions) {
      ErrorCode error = membership;
      if (error == ErrorCode::kNone && (!known || p.index != 0)) {
        error = ErrorCode::kUnknownTopicOrPartition;
      }
      if (error == ErrorCode::kNone && p.metadata && p.metadata->size() > kMaxOffsetMetadata) {
        error = ErrorCode::kOffsetMetadataTooLarge;
      }
      if (error == ErrorCode::kNone) {
        CommittedOffset c{p.offset, std::string(p.metadata.value_or(""))};
        if (offsets_.commit(group, topic, p.index, c)) error = ErrorCode::kKafkaStorageError;
      }
      w.i32(p.index);
      write_error(w, error);
    }
  }
  return out;
}

std::string KafkaService::offset_fetch(Request& req) {
  WireReader& r = req.body;
  const int v = req.version;
  const std::string group(r.string());
  // Null (v2+: every committed offset of the group) answers with none: the store is
  // asked by topic. Clients that consume name their topics.
  std::vector<std::pair<std::string_view, std::vector<int32_t>>> topics(
      r.nullable_array_count(6).value_or(0));
  for (auto& [topic, partitions] : topics) {
    topic = r.string();
    partitions.resize(r.array_count(4));
    for (int32_t& p : partitions) p = r.i32();
  }
  if (!r.ok()) return {};

  std::string out = start_response(req);
  WireWriter w(out);
  if (v >= 3) w.i32(0);  // throttle_time_ms
  w.array_count(topics.size());
  for (const auto& [topic, partitions] : topics) {
    w.string(topic);
    w.array_count(partitions.size());
    for (int32_t p : partitions) {
      const std::optional<CommittedOffset> c = offsets_.fetch(group, topic, p);
      w.i32(p);
      w.i64(c ? c->offset : -1);
      if (v >= 5) w.i32(-1);  // committed_leader_epoch
      w.nullable_string(c ? std::string_view(c->metadata) : std::string_view());
      write_error(w, ErrorCode::kNone);
    }
  }
  if (v >= 2) write_error(w, ErrorCode::kNone);
  return out;
}

Reply KafkaService::join_group(Request& req) {
  WireReader& r = req.body;
  const int v = req.version;
  JoinRequest join;
  join.group_id = r.string();
  join.session_timeout_ms = r.i32();
  join.rebalance_timeout_ms = v >= 1 ? r.i32() : join.session_timeout_ms;
  join.member_id = r.string();
  // group_instance_id (static membership) is read and ignored: members are dynamic.
  if (v >= 5) (void)r.nullable_string();
  join.protocol_type = r.string();
  read_named_bytes(r, join.protocols);
  join.client_id = req.client_id;
  if (!r.ok()) return {};

  auto deferred = std::make_shared<DeferredReply>();
  auto write = [v](WireWriter& w, const JoinResult& result) {
    if (v >= 2) w.i32(0);  // throttle_time_ms
    write_error(w, result.error);
    w.i32(result.generation_id);
    w.string(result.protocol_name);
    w.string(result.leader_id);
    w.string(result.member_id);
    w.array_count(result.members.size());
    for (const auto& [id, metadata] : result.members) {
      w.string(id);
      if (v >= 5) w.nullable_string(std::nullopt);  // group_instance_id
      w.bytes(metadata);
    }
  };
  groups_.join(std::move(join), completing<JoinResult>(deferred, start_response(req), write));
  return later(std::move(deferred));
}

Reply KafkaService::sync_group(Request& req) {
  WireReader& r = req.body;
  const int v = req.version;
  SyncRequest sync;
  sync.group_id = r.string();
  sync.generation_id = r.i32();
  sync.member_id = r.string();
  if (v >= 3) (void)r.nullable_string();  // group_instance_id
  read_named_bytes(r, sync.assignments);
  if (!r.ok()) return {};

  auto deferred = std::make_shared<DeferredReply>();
  auto write = [v](WireWriter& w, const SyncResult& result) {
    if (v >= 1) w.i32(0);  // throttle_time_ms
    write_error(w, result.error);
    w.bytes(result.assignment);
  };
  groups_.sync(std::move(sync), completing<SyncResult>(deferred, start_response(req), write));
  return later(std::move(deferred));
}

std::string KafkaService::heartbeat(Request& req) {
  WireReader& r = req.body;
  const std::string group(r.string());
  const int32_t generation = r.i32();
  const std::string member(r.string());
  if (req.version >= 3) (void)r.nullable_string();  // group_instance_id
  if (!r.ok()) return {};
  const ErrorCode error = groups_.heartbeat(group, generation, member);
  std::string out = start_response(req);
  WireWriter w(out);
  if (req.version >= 1) w.i32(0);  // throttle_time_ms
  write_error(w, error);
  return out;
}

std::string KafkaService::leave_group(Request& req) {
  WireReader& r = req.body;
  const std::string group(r.string());
  std::vector<std::string> members;
  if (req.version >= 3) {
    members.resize(r.array_count(4));
    for (std::string& m : members) {
      m = r.string();
      (void)r.nullable_string();  // group_instance_id
    }
  } else {
    members.emplace_back(r.string());
  }
  if (!r.ok()) return {};

  std::vector<ErrorCode> errors;
  for (const std::string& m : members) errors.push_back(groups_.leave(group, m));
  std::string out = start_response(req);
  WireWriter w(out);
  if (req.version >= 1) w.i32(0);  // throttle_time_ms
  if (req.version < 3) {
    write_error(w, errors.front());
    return out;
  }
  write_error(w, ErrorCode::kNone);
  w.array_count(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    w.string(members[i]);
    w.nullable_string(std::nullopt);
    write_error(w, errors[i]);
  }
  return out;
}

}  // namespace ferry::consumer::kafka
