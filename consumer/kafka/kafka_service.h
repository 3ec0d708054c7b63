#pragma once
// The Kafka protocol, request by request, over a LiveLogView and a GroupOffsetStore:
// bytes in (one request, after its 4-byte size), bytes out (one response, without it).
// No sockets here: kafka_server.h frames requests and carries out the waits a Reply asks
// for. APIs and versions: api_keys.h; what is not supported and why: README.md.
//
// Threading: one thread (the Kafka io thread), like the LiveLogView it reads.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/clock.h"
#include "consumer/kafka/group_coordinator.h"
#include "consumer/kafka/kafka_request.h"
#include "consumer/kafka/live_log_view.h"

namespace ferry::consumer::kafka {

struct KafkaServiceOptions {
  // The broker address clients are told in Metadata and FindCoordinator (node id 0).
  std::string advertised_host = "127.0.0.1";
  int32_t advertised_port = 9093;
  std::string cluster_id = "ferry";
  // A Fetch response's records never exceed the request's max_bytes, itself clamped to
  // this, except that one whole batch is always returned when there is one.
  size_t max_fetch_bytes = size_t{8} << 20;
  GroupLimits group_limits;
};

// A response that a group rebalance completes later (JoinGroup, SyncGroup).
class DeferredReply {
 public:
  void complete(std::string response);
  bool ready() const { return response_.has_value(); }
  std::string take() { return std::move(*response_); }
  // `wake` runs once, when the response is there (at once if it already is).
  void on_ready(std::function<void()> wake);

 private:
  std::optional<std::string> response_;
  std::function<void()> wake_;
};

struct Reply {
  std::string response;  // the bytes to send, unless one of the cases below
  // The connection must be closed (unknown API or version, malformed request): why.
  std::optional<std::string> close_reason;
  // A Fetch that found less than min_bytes: wait up to `wait` for an append to one of
  // `wait_topics`, then call handle() again with may_wait=false.
  std::chrono::milliseconds wait{0};
  std::vector<std::string> wait_topics;
  // Set when the response comes later; `response` is then empty.
  std::shared_ptr<DeferredReply> deferred;
  // A Fetch's (topic, offset) pairs: where the subscriber reads, for its lag.
  std::vector<std::pair<std::string, int64_t>> fetched;
};

class KafkaService {
 public:
  KafkaService(LiveLogView& log, GroupOffsetStore& offsets, const Clock& clock,
               KafkaServiceOptions options);

  Reply handle(std::string_view request, bool may_wait);
  // Expires group members and rebalances; call a few times a second.
  void tick() { groups_.expire(); }

  GroupCoordinator& groups() { return groups_; }

 private:
  using Request = KafkaRequest;

  std::string api_versions(const Request& req);
  std::string metadata(Request& req);
  std::string list_offsets(Request& req);
  Reply fetch(Request& req, bool may_wait);
  std::string find_coordinator(Request& req);
  std::string offset_commit(Request& req);
  std::string offset_fetch(Request& req);
  Reply join_group(Request& req);
  Reply sync_group(Request& req);
  std::string heartbeat(Request& req);
  std::string leave_group(Request& req);

  LiveLogView& log_;
  GroupOffsetStore& offsets_;
  KafkaServiceOptions options_;
  GroupCoordinator groups_;
};

}  // namespace ferry::consumer::kafka
