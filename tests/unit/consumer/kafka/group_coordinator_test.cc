#include "consumer/kafka/group_coordinator.h"

#include <gtest/gtest.h>

#include <deque>
#include <optional>

#include "tests/fakes/fake_clock.h"

namespace ferry::consumer::kafka {
namespace {

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  JoinRequest join_request(const std::string& member = "") {
    JoinRequest r;
    r.group_id = "g";
    r.member_id = member;
    r.client_id = "c";
    r.session_timeout_ms = 10'000;
    r.rebalance_timeout_ms = 30'000;
    r.protocol_type = "consumer";
    r.protocols = {{"range", "meta-" + member}};
    return r;
  }
  // Joins and returns the result if it completed at once.
  std::optional<JoinResult>* join(const std::string& member = "") {
    auto* slot = &results_.emplace_back();
    groups_.join(join_request(member), [slot](const JoinResult& r) { *slot = r; });
    return slot;
  }
  std::optional<SyncResult>* sync(const JoinResult& j,
                                  std::vector<std::pair<std::string, std::string>> a = {}) {
    auto* slot = &syncs_.emplace_back();
    groups_.sync({"g", j.generation_id, j.member_id, std::move(a)},
                 [slot](const SyncResult& r) { *slot = r; });
    return slot;
  }

  testing::FakeClock clock_;
  GroupCoordinator groups_{clock_};
  std::deque<std::optional<JoinResult>> results_;
  std::deque<std::optional<SyncResult>> syncs_;
};

TEST_F(GroupCoordinatorTest, FirstMemberLeadsAndBecomesStable) {
  auto* a = join();
  ASSERT_TRUE(*a);
  EXPECT_EQ((*a)->error, ErrorCode::kNone);
  EXPECT_EQ((*a)->generation_id, 1);
  EXPECT_EQ((*a)->leader_id, (*a)->member_id);
  EXPECT_EQ((*a)->protocol_name, "range");
  ASSERT_EQ((*a)->members.size(), 1u);
  EXPECT_EQ(groups_.state("g"), GroupState::kCompletingRebalance);
  auto* s = sync(**a, {{(*a)->member_id, "assigned"}});
  ASSERT_TRUE(*s);
  EXPECT_EQ((*s)->assignment, "assigned");
  EXPECT_EQ(groups_.state("g"), GroupState::kStable);
  EXPECT_EQ(groups_.heartbeat("g", 1, (*a)->member_id), ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, SecondMemberRebalancesAndGetsTheLeadersAssignment) {
  auto* a = join();
  const JoinResult first = **a;
  (void)sync(first, {{first.member_id, "all"}});
  auto* b = join();
  EXPECT_FALSE(*b);  // waits for the leader to rejoin
  EXPECT_EQ(groups_.heartbeat("g", 1, first.member_id), ErrorCode::kRebalanceInProgress);
  auto* a2 = join(first.member_id);
  ASSERT_TRUE(*a2 && *b);
  EXPECT_EQ((*a2)->generation_id, 2);
  EXPECT_EQ((*b)->generation_id, 2);
  EXPECT_EQ((*a2)->members.size(), 2u);  // the leader sees everyone
  EXPECT_TRUE((*b)->members.empty());
  auto* sb = sync(**b);
  EXPECT_FALSE(*sb);  // waits for the leader
  auto* sa = sync(**a2, {{first.member_id, "p0"}, {(*b)->member_id, ""}});
  ASSERT_TRUE(*sa && *sb);
  EXPECT_EQ((*sa)->assignment, "p0");
  EXPECT_EQ((*sb)->error, ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, SilentMemberExpiresAndTheOtherTakesOver) {
  auto* a = join();
  const JoinResult first = **a;
  (void)sync(first, {{first.member_id, "all"}});
  auto* b = join();
  EXPECT_FALSE(*b);
  clock_.now += 10'001;  // the first member (SIGKILLed) sends nothing more
  groups_.expire();
  ASSERT_TRUE(*b);
  EXPECT_EQ((*b)->error, ErrorCode::kNone);
  EXPECT_EQ((*b)->leader_id, (*b)->member_id);
  EXPECT_EQ(groups_.heartbeat("g", first.generation_id, first.member_id),
            ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, RebalanceTimeoutRemovesMembersThatDidNotRejoin) {
  auto* a = join();
  const JoinResult first = **a;
  (void)sync(first, {{first.member_id, "all"}});
  auto* b = join();
  // The first keeps heartbeating but never rejoins.
  for (int i = 0; i < 4; ++i) {
    clock_.now += 8'000;
    (void)groups_.heartbeat("g", first.generation_id, first.member_id);
    groups_.expire();
  }
  ASSERT_TRUE(*b);
  EXPECT_EQ((*b)->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, WrongGenerationAndUnknownMember) {
  auto* a = join();
  EXPECT_EQ(groups_.heartbeat("g", 7, (*a)->member_id), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(groups_.heartbeat("g", 1, "nobody"), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(groups_.heartbeat("other", 1, "nobody"), ErrorCode::kUnknownMemberId);
  auto* j = join("nobody");
  ASSERT_TRUE(*j);
  EXPECT_EQ((*j)->error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ(groups_.check_commit("g", 1, (*a)->member_id), ErrorCode::kRebalanceInProgress);
  (void)sync(**a, {});
  EXPECT_EQ(groups_.check_commit("g", 1, (*a)->member_id), ErrorCode::kNone);
  EXPECT_EQ(groups_.check_commit("g", 0, (*a)->member_id), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(groups_.check_commit("g", -1, ""), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(groups_.check_commit("empty", -1, ""), ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, LeaveRebalancesTheRest) {
  auto* a = join();
  const JoinResult first = **a;
  (void)sync(first, {});
  auto* b = join();
  auto* a2 = join(first.member_id);
  ASSERT_TRUE(*a2 && *b);
  EXPECT_EQ(groups_.leave("g", first.member_id), ErrorCode::kNone);
  EXPECT_EQ(groups_.state("g"), GroupState::kPreparingRebalance);
  auto* b2 = join((*b)->member_id);
  ASSERT_TRUE(*b2);
  EXPECT_EQ((*b2)->generation_id, 3);
  EXPECT_EQ((*b2)->leader_id, (*b)->member_id);
  EXPECT_EQ(groups_.leave("g", (*b)->member_id), ErrorCode::kNone);
  EXPECT_EQ(groups_.state("g"), GroupState::kEmpty);
}

TEST_F(GroupCoordinatorTest, RefusesBadSessionTimeoutAndMismatchedProtocol) {
  JoinRequest r = join_request();
  r.session_timeout_ms = 10;
  std::optional<JoinResult> got;
  groups_.join(r, [&](const JoinResult& j) { got = j; });
  EXPECT_EQ(got->error, ErrorCode::kInvalidSessionTimeout);
  (void)join();
  r = join_request();
  r.protocols = {{"sticky", ""}};
  groups_.join(r, [&](const JoinResult& j) { got = j; });
  EXPECT_EQ(got->error, ErrorCode::kInconsistentGroupProtocol);
}

}  // namespace
}  // namespace ferry::consumer::kafka
