#include "agent/tail/copy_matcher.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent::tail {
namespace {

using ferry::testing::TempDir;
using ferry::testing::write_file;

using ferry::testing::FakeClock;

// 100 lines of 10 bytes: more than kMinCopyPrefix, less than kFingerprintBytes.
std::string lines(char c, int n = 100) {
  std::string out;
  for (int i = 0; i < n; ++i) out += std::string(9, c) + "\n";
  return out;
}

class CopyMatcherTest : public ::testing::Test {
 protected:
  TrackedFile& track(const std::string& name, FileState state) {
    auto t = FileTailer::open(dir.file(name), 1024);
    EXPECT_TRUE(t) << t.error().message();
    files.emplace_back(std::move(t).value(), state, clock.now);
    return files.back();
  }
  void read_all(TrackedFile& t) {
    while (true) {
      auto chunk = t.tailer().read(1 << 20, clock.now, false);
      ASSERT_TRUE(chunk);
      if (chunk.value().empty()) break;
    }
  }

  TempDir dir;
  FakeClock clock;
  std::string category = "cat";
  std::vector<TrackedFile> files;
  std::vector<ResumePoint> resume;
  uint64_t unreadable = 0;
  CopyMatcher matcher{category, clock, files, resume, unreadable};
};

TEST_F(CopyMatcherTest, FileLikeNoOtherIsANewFile) {
  write_file(dir.file("app.log"), lines('a'));
  files.reserve(4);
  auto& t = track("app.log", FileState::kUndecided);
  matcher.decide(t, /*force=*/false, /*started=*/true);
  EXPECT_EQ(t.state(), FileState::kLive);
  EXPECT_TRUE(matcher.adopted_copies().empty());
}

TEST_F(CopyMatcherTest, CopyOfALiveFileWaitsAndStartsWhereTheOriginalWasTruncated) {
  write_file(dir.file("app.log"), lines('a'));
  files.reserve(4);
  auto& original = track("app.log", FileState::kLive);
  read_all(original);
  write_file(dir.file("app.log.1"), lines('a'));  // the copy
  auto& copy = track("app.log.1", FileState::kUndecided);
  matcher.decide(copy, /*force=*/false, /*started=*/true);
  EXPECT_EQ(copy.state(), FileState::kWaitingCopy);
  ASSERT_EQ(::truncate(dir.file("app.log").c_str(), 0), 0);
  EXPECT_EQ(matcher.check_descriptors(), 1u);
  EXPECT_EQ(copy.state(), FileState::kLive);
  auto adopted = matcher.take_adopted_copies();
  ASSERT_EQ(adopted.size(), 1u);
  EXPECT_EQ(adopted[0].path, dir.file("app.log.1"));
  EXPECT_EQ(adopted[0].offset, 1'000u);  // where the original was read to
  EXPECT_EQ(copy.tailer().position(), 1'000u);
  EXPECT_EQ(unreadable, 0u);
}

TEST_F(CopyMatcherTest, WaitingCopyThatOutgrowsItsOriginalIsANewFile) {
  write_file(dir.file("app.log"), lines('a'));
  files.reserve(4);
  track("app.log", FileState::kLive);
  write_file(dir.file("app.log.1"), lines('a'));
  auto& copy = track("app.log.1", FileState::kUndecided);
  matcher.decide(copy, false, true);
  ASSERT_EQ(copy.state(), FileState::kWaitingCopy);
  write_file(dir.file("app.log.1"), lines('a') + "more\n");
  matcher.recheck_waiting_copies();
  EXPECT_EQ(copy.state(), FileState::kLive);
}

TEST_F(CopyMatcherTest, UnreadBytesOfATruncationNoCopyClaimsAreCountedAfterTheWait) {
  write_file(dir.file("app.log"), lines('a'));
  files.reserve(4);
  auto& t = track("app.log", FileState::kLive);
  read_all(t);
  write_file(dir.file("app.log"), lines('a') + lines('b', 3));  // 30 bytes never read
  EXPECT_EQ(matcher.check_descriptors(), 0u);                   // grew: not truncated
  ASSERT_EQ(::truncate(dir.file("app.log").c_str(), 0), 0);
  EXPECT_EQ(matcher.check_descriptors(), 1u);
  EXPECT_EQ(t.tailer().position(), 0u);  // on to the new content
  EXPECT_EQ(matcher.waiting_truncations().size(), 1u);
  matcher.count_unclaimed_truncations();
  EXPECT_EQ(unreadable, 0u);  // a copy may still turn up
  clock.now += kClaimWaitMs;
  matcher.count_unclaimed_truncations();
  EXPECT_EQ(unreadable, 30u);
}

TEST_F(CopyMatcherTest, AnIOErrorWhileLookingForATruncationIsLogged) {
  write_file(dir.file("app.log"), lines('a'));
  files.reserve(4);
  auto& t = track("app.log", FileState::kLive);
  read_all(t);
  // The descriptor still stats the same file, but reads from it fail (EBADF).
  const int write_only = ::open(dir.file("app.log").c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(write_only, 0);
  ASSERT_GE(::dup2(write_only, t.tailer().fd()), 0);
  ::close(write_only);
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  spdlog::default_logger()->sinks().push_back(sink);
  EXPECT_EQ(matcher.check_descriptors(), 0u);
  spdlog::default_logger()->sinks().pop_back();
  EXPECT_NE(log.str().find("app.log: cannot tell whether it was truncated: Bad file descriptor"),
            std::string::npos)
      << log.str();
}

}  // namespace
}  // namespace ferry::agent::tail
