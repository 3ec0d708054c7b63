#include "consumer/kafka/group_coordinator.h"

#include <algorithm>

namespace ferry::consumer::kafka {

struct GroupCoordinator::Member {
  std::string id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::vector<std::pair<std::string, std::string>> protocols;
  TimeMs last_heard = 0;
  JoinDone awaiting_join;  // set while its JoinGroup waits for the rebalance
  SyncDone awaiting_sync;  // set while its SyncGroup waits for the leader
  std::string assignment;
};

struct GroupCoordinator::Group {
  GroupState state = GroupState::kEmpty;
  int32_t generation = 0;
  std::string protocol_type;
  std::string protocol;
  std::string leader;
  TimeMs rebalance_deadline = 0;
  std::map<std::string, Member> members;
};

GroupCoordinator::GroupCoordinator(const Clock& clock, GroupLimits limits)
    : clock_(clock), limits_(limits) {}

GroupCoordinator::~GroupCoordinator() = default;

GroupCoordinator::Group* GroupCoordinator::find(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

const GroupCoordinator::Group* GroupCoordinator::find(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

std::optional<GroupState> GroupCoordinator::state(const std::string& group_id) const {
  const Group* g = find(group_id);
  if (!g) return std::nullopt;
  return g->state;
}

int32_t GroupCoordinator::generation(const std::string& group_id) const {
  const Group* g = find(group_id);
  return g ? g->generation : -1;
}

void GroupCoordinator::join(JoinRequest request, JoinDone done) {
  JoinResult refusal;
  refusal.member_id = request.member_id;
  if (request.group_id.empty()) {
    refusal.error = ErrorCode::kInvalidGroupId;
    return done(refusal);
  }
  if (request.session_timeout_ms < limits_.min_session_timeout_ms ||
      request.session_timeout_ms > limits_.max_session_timeout_ms) {
    refusal.error = ErrorCode::kInvalidSessionTimeout;
    return done(refusal);
  }
  auto& slot = groups_[request.group_id];
  if (!slot) slot = std::make_unique<Group>();
  Group& group = *slot;
  const bool compatible =
      group.members.empty() ||
      (request.protocol_type == group.protocol_type &&
       std::any_of(request.protocols.begin(), request.protocols.end(), [&](const auto& p) {
         return std::all_of(group.members.begin(), group.members.end(), [&](const auto& m) {
           return std::any_of(m.second.protocols.begin(), m.second.protocols.end(),
                              [&](const auto& q) { return q.first == p.first; });
         });
       }));
  if (request.protocols.empty() || !compatible) {
    refusal.error = ErrorCode::kInconsistentGroupProtocol;
    return done(refusal);
  }

  std::string id = request.member_id;
  if (id.empty()) {
    if (group.members.size() >= limits_.max_members) {
      refusal.error = ErrorCode::kGroupMaxSizeReached;
      return done(refusal);
    }
    id = (request.client_id.empty() ? "member" : request.client_id) + "-" +
         std::to_string(next_member_++);
  } else if (!group.members.count(id)) {
    refusal.error = ErrorCode::kUnknownMemberId;
    return done(refusal);
  }
  if (group.members.empty()) group.protocol_type = request.protocol_type;
  Member& m = group.members[id];
  m.id = id;
  m.session_timeout_ms = request.session_timeout_ms;
  m.rebalance_timeout_ms = std::max(request.rebalance_timeout_ms, request.session_timeout_ms);
  m.protocols = std::move(request.protocols);
  m.last_heard = clock_.now_ms();
  if (m.awaiting_join) {
    // A retried JoinGroup replaces the earlier one, which its client gave up on.
    JoinResult superseded;
    superseded.error = ErrorCode::kRebalanceInProgress;
    superseded.member_id = id;
    std::exchange(m.awaiting_join, nullptr)(superseded);
  }
  m.awaiting_join = std::move(done);
  if (group.state != GroupState::kPreparingRebalance) prepare_rebalance(group);
  try_complete_join(group);
}

void GroupCoordinator::prepare_rebalance(Group& group) {
  std::vector<SyncDone> cancelled;
  for (auto& [id, m] : group.members) {
    if (m.awaiting_sync) cancelled.push_back(std::exchange(m.awaiting_sync, nullptr));
  }
  group.state = GroupState::kPreparingRebalance;
  int32_t longest = 0;
  for (const auto& [id, m] : group.members) longest = std::max(longest, m.rebalance_timeout_ms);
  group.rebalance_deadline = clock_.now_ms() + longest;
  for (auto& done : cancelled) done(SyncResult{ErrorCode::kRebalanceInProgress, {}});
}

void GroupCoordinator::try_complete_join(Group& group) {
  if (group.state != GroupState::kPreparingRebalance) return;
  for (const auto& [id, m] : group.members) {
    if (!m.awaiting_join) return;
  }
  complete_join(group);
}

std::optional<std::string> GroupCoordinator::choose_protocol(const Group& group) {
  // The leader's first preference that every member supports.
  const auto& first = group.members.count(group.leader) ? group.members.at(group.leader)
                                                        : group.members.begin()->second;
  for (const auto& protocol : first.protocols) {
    const std::string& name = protocol.first;
    const bool everyone = std::all_of(group.members.begin(), group.members.end(), [&](auto& m) {
      return std::any_of(m.second.protocols.begin(), m.second.protocols.end(),
                         [&](const auto& p) { return p.first == name; });
    });
    if (everyone) return name;
  }
  return std::nullopt;
}

void GroupCoordinator::complete_join(Group& group) {
  // Members that did not rejoin in time are out of the group.
  for (auto it = group.members.begin(); it != group.members.end();) {
    it = it->second.awaiting_join ? std::next(it) : group.members.erase(it);
  }
  ++group.generation;
  if (group.members.empty()) {
    group.state = GroupState::kEmpty;
    group.leader.clear();
    group.protocol.clear();
    return;
  }
  if (!group.members.count(group.leader)) group.leader = group.members.begin()->first;
  group.protocol =
      choose_protocol(group).value_or(group.members.begin()->second.protocols[0].first);
  group.state = GroupState::kCompletingRebalance;

  std::vector<std::pair<JoinDone, JoinResult>> replies;
  const TimeMs now = clock_.now_ms();
  for (auto& [id, m] : group.members) {
    JoinResult r;
    r.generation_id = group.generation;
    r.protocol_name = group.protocol;
    r.leader_id = group.leader;
    r.member_id = id;
    if (id == group.leader) {
      for (const auto& [other_id, other] : group.members) {
        for (const auto& [name, metadata] : other.protocols) {
          if (name == group.protocol) r.members.emplace_back(other_id, metadata);
        }
      }
    }
    m.last_heard = now;
    m.assignment.clear();
    replies.emplace_back(std::exchange(m.awaiting_join, nullptr), std::move(r));
  }
  for (auto& [done, result] : replies) done(result);
}

void GroupCoordinator::sync(SyncRequest request, SyncDone done) {
  Group* group = find(request.group_id);
  if (!group || !group->members.count(request.member_id)) {
    return done(SyncResult{ErrorCode::kUnknownMemberId, {}});
  }
  if (request.generation_id != group->generation) {
    return done(SyncResult{ErrorCode::kIllegalGeneration, {}});
  }
  Member& m = group->members.at(request.member_id);
  m.last_heard = clock_.now_ms();
  switch (group->state) {
    case GroupState::kEmpty:
      return done(SyncResult{ErrorCode::kUnknownMemberId, {}});
    case GroupState::kPreparingRebalance:
      return done(SyncResult{ErrorCode::kRebalanceInProgress, {}});
    case GroupState::kStable:
      return done(SyncResult{ErrorCode::kNone, m.assignment});
    case GroupState::kCompletingRebalance:
      break;
  }
  if (m.awaiting_sync)
    std::exchange(m.awaiting_sync, nullptr)(SyncResult{ErrorCode::kRebalanceInProgress, {}});
  m.awaiting_sync = std::move(done);
  if (request.member_id != group->leader) return;

  for (auto& [id, assignment] : request.assignments) {
    auto it = group->members.find(id);
    if (it != group->members.end()) it->second.assignment = std::move(assignment);
  }
  group->state = GroupState::kStable;
  std::vector<std::pair<SyncDone, SyncResult>> replies;
  for (auto& [id, member] : group->members) {
    if (member.awaiting_sync) {
      replies.emplace_back(std::exchange(member.awaiting_sync, nullptr),
                           SyncResult{ErrorCode::kNone, member.assignment});
    }
  }
  for (auto& [reply, result] : replies) reply(result);
}

ErrorCode GroupCoordinator::heartbeat(const std::string& group_id, int32_t generation_id,
                                      const std::string& member_id) {
  Group* group = find(group_id);
  if (!group || !group->members.count(member_id)) return ErrorCode::kUnknownMemberId;
  if (generation_id != group->generation) return ErrorCode::kIllegalGeneration;
  group->members.at(member_id).last_heard = clock_.now_ms();
  switch (group->state) {
    case GroupState::kEmpty:
      return ErrorCode::kUnknownMemberId;
    case GroupState::kPreparingRebalance:
      return ErrorCode::kRebalanceInProgress;
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      return ErrorCode::kNone;
  }
  return ErrorCode::kNone;
}

ErrorCode GroupCoordinator::leave(const std::string& group_id, const std::string& member_id) {
  Group* group = find(group_id);
  if (!group || !group->members.count(member_id)) return ErrorCode::kUnknownMemberId;
  remove_member(*group, member_id);
  return ErrorCode::kNone;
}

void GroupCoordinator::remove_member(Group& group, const std::string& member_id) {
  auto it = group.members.find(member_id);
  JoinDone join = std::exchange(it->second.awaiting_join, nullptr);
  SyncDone sync = std::exchange(it->second.awaiting_sync, nullptr);
  group.members.erase(it);
  if (group.state == GroupState::kStable || group.state == GroupState::kCompletingRebalance) {
    prepare_rebalance(group);
  }
  if (group.members.empty() && group.state == GroupState::kPreparingRebalance) {
    complete_join(group);
  } else {
    try_complete_join(group);
  }
  if (join) join(JoinResult{ErrorCode::kUnknownMemberId, -1, {}, {}, member_id, {}});
  if (sync) sync(SyncResult{ErrorCode::kUnknownMemberId, {}});
}

ErrorCode GroupCoordinator::check_commit(const std::string& group_id, int32_t generation_id,
                                         const std::string& member_id) const {
  const Group* group = find(group_id);
  if (generation_id < 0 && member_id.empty()) {
    return !group || group->members.empty() ? ErrorCode::kNone : ErrorCode::kUnknownMemberId;
  }
  if (!group || !group->members.count(member_id)) return ErrorCode::kUnknownMemberId;
  if (generation_id != group->generation) return ErrorCode::kIllegalGeneration;
  if (group->state == GroupState::kCompletingRebalance) return ErrorCode::kRebalanceInProgress;
  return ErrorCode::kNone;
}

void GroupCoordinator::expire() {
  const TimeMs now = clock_.now_ms();
  for (auto it = groups_.begin(); it != groups_.end();) {
    Group& group = *it->second;
    std::vector<std::string> expired;
    for (const auto& [id, m] : group.members) {
      // A member waiting in JoinGroup is alive; it is judged by the rebalance deadline.
      if (!m.awaiting_join && now - m.last_heard > m.session_timeout_ms) expired.push_back(id);
    }
    for (const auto& id : expired) remove_member(group, id);
    if (group.state == GroupState::kPreparingRebalance && now >= group.rebalance_deadline) {
      complete_join(group);
    }
    // An empty group holds nothing: its offsets are in GroupOffsetStore.
    it = group.state == GroupState::kEmpty && group.members.empty() ? groups_.erase(it)
                                                                    : std::next(it);
  }
}

}  // namespace ferry::consumer::kafka
