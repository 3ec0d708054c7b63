#include "agent/tail/truncations.h"

#include <gtest/gtest.h>

namespace ferry::agent::tail {
namespace {

Truncation truncation(const std::string& content, const std::string& path, TimeMs at,
                      uint64_t unread = 0) {
  Truncation t;
  t.content = {1, 2, make_fingerprint(content)};
  t.head = head_crc(content);
  t.position = content.size();
  t.read_offset = content.size();
  t.unread = unread;
  t.path = path;
  t.at_ms = at;
  return t;
}

const std::string kOld(100, 'a');

bool never(uint64_t) { return false; }

TEST(TruncationsTest, ACopyWithTheSameFirstBytesClaimsItOnce) {
  Truncations list;
  list.remember(truncation(kOld, "app.log", 0));
  const auto fp = make_fingerprint(kOld);
  auto claimed = list.claim(fp, head_crc(kOld), never);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->path, "app.log");
  EXPECT_EQ(claimed->read_offset, 100u);
  EXPECT_FALSE(list.claim(fp, head_crc(kOld), never));  // one copy carries it on
}

TEST(TruncationsTest, ALongerCopyIsAskedWhetherItStartsWithTheOldContent) {
  Truncations list;
  list.remember(truncation(kOld, "app.log", 0));
  const std::string copy = kOld + std::string(50, 'b');
  uint64_t asked = 0;
  auto claimed = list.claim(make_fingerprint(copy), head_crc(copy), [&](uint64_t prefix) {
    asked = prefix;
    return true;
  });
  EXPECT_TRUE(claimed);
  EXPECT_EQ(asked, make_fingerprint(kOld));
}

TEST(TruncationsTest, OtherContentClaimsNothing) {
  Truncations list;
  list.remember(truncation(kOld, "app.log", 0));
  const std::string other(100, 'z');
  EXPECT_FALSE(list.claim(make_fingerprint(other), head_crc(other), [](uint64_t) { return true; }));
  // Shorter than what was read of the old content: it cannot tell.
  const std::string shorter(80, 'a');
  EXPECT_FALSE(
      list.claim(make_fingerprint(shorter), head_crc(shorter), [](uint64_t) { return true; }));
  EXPECT_EQ(list.size(), 1u);
}

TEST(TruncationsTest, NewestTruncationOfTheSameContentIsClaimedFirst) {
  Truncations list;
  list.remember(truncation(kOld, "first", 0));
  list.remember(truncation(kOld, "second", 10));
  EXPECT_EQ(list.claim(make_fingerprint(kOld), head_crc(kOld), never)->path, "second");
}

TEST(TruncationsTest, UnclaimedAfterTheWaitIsTakenOnceWithItsUnreadBytes) {
  Truncations list;
  list.remember(truncation(kOld, "app.log", 1'000, 42));
  EXPECT_EQ(list.waiting(1'000).size(), 1u);
  EXPECT_TRUE(list.take_expired(1'000 + kClaimWaitMs - 1).empty());
  auto expired = list.take_expired(1'000 + kClaimWaitMs);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].unread, 42u);
  EXPECT_TRUE(list.take_expired(1'000 + 2 * kClaimWaitMs).empty());
  EXPECT_TRUE(list.waiting(1'000).empty());  // told: no longer looked for beside it
  // A copy found late still carries the content on, but its bytes were counted.
  auto late = list.claim(make_fingerprint(kOld), head_crc(kOld), never);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->unread, 0u);
}

TEST(TruncationsTest, KeepsAtMostTheNewestOnes) {
  Truncations list;
  for (size_t i = 0; i < kMaxTruncations + 5; ++i)
    list.remember(truncation(kOld, std::to_string(i), 0));
  EXPECT_EQ(list.size(), kMaxTruncations);
  EXPECT_EQ(list.waiting(0).front().path, "5");
}

}  // namespace
}  // namespace ferry::agent::tail
