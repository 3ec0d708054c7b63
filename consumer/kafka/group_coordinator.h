#pragma once
// An in-memory consumer group coordinator, as Kafka's GroupCoordinator runs it for the
// "consumer" protocol: members join, the coordinator picks a leader and a protocol, the
// leader computes assignments and hands them over in its SyncGroup, and every member
// receives its own. States: Empty -> PreparingRebalance (a join, a leave, an expired
// member) -> CompletingRebalance (every member rejoined, or the rebalance timeout passed:
// the rest are removed; the generation is bumped) -> Stable (the leader's SyncGroup).
// Members that neither heartbeat nor rejoin within their session timeout are removed.
//
// Nothing here is durable: after a restart members get UNKNOWN_MEMBER_ID and rejoin,
// which clients do by themselves. Committed offsets live in GroupOffsetStore.
//
// Threading: one thread (the Kafka io thread). Completions run on it, possibly inside
// the call that caused them. The owner calls expire() a few times a second.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/base/clock.h"
#include "consumer/kafka/api_keys.h"

namespace ferry::consumer::kafka {

struct JoinRequest {
  std::string group_id;
  std::string member_id;  // empty: a new member
  std::string client_id;  // prefix of a new member's id
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<std::pair<std::string, std::string>> protocols;  // name, metadata
};

struct JoinResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader_id;
  std::string member_id;
  std::vector<std::pair<std::string, std::string>> members;  // leader only: id, metadata
};

struct SyncRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::vector<std::pair<std::string, std::string>> assignments;  // leader only
};

struct SyncResult {
  ErrorCode error = ErrorCode::kNone;
  std::string assignment;
};

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };

struct GroupLimits {
  int32_t min_session_timeout_ms = 1'000;
  int32_t max_session_timeout_ms = 300'000;
  size_t max_members = 1'000;
};

class GroupCoordinator {
 public:
  using JoinDone = std::function<void(const JoinResult&)>;
  using SyncDone = std::function<void(const SyncResult&)>;

  explicit GroupCoordinator(const Clock& clock, GroupLimits limits = {});
  ~GroupCoordinator();

  // `done` runs once: when the rebalance completes, or at once with an error.
  void join(JoinRequest request, JoinDone done);
  // `done` runs once: when the leader's assignments arrive, or at once.
  void sync(SyncRequest request, SyncDone done);
  ErrorCode heartbeat(const std::string& group_id, int32_t generation_id,
                      const std::string& member_id);
  ErrorCode leave(const std::string& group_id, const std::string& member_id);
  // Whether an OffsetCommit from this member and generation may be stored. A commit
  // with generation -1 and no member is allowed while the group has no members.
  ErrorCode check_commit(const std::string& group_id, int32_t generation_id,
                         const std::string& member_id) const;
  // Removes members past their session timeout and ends rebalances past their timeout.
  void expire();

  std::optional<GroupState> state(const std::string& group_id) const;
  int32_t generation(const std::string& group_id) const;

 private:
  struct Member;
  struct Group;

  Group* find(const std::string& group_id);
  const Group* find(const std::string& group_id) const;
  void prepare_rebalance(Group& group);
  void try_complete_join(Group& group);
  void complete_join(Group& group);
  void remove_member(Group& group, const std::string& member_id);
  static std::optional<std::string> choose_protocol(const Group& group);

  const Clock& clock_;
  GroupLimits limits_;
  std::map<std::string, std::unique_ptr<Group>> groups_;
  uint64_t next_member_ = 1;
};

}  // namespace ferry::consumer::kafka
