// The durability claim: every batch whose submit callback said kStored is on disk after
// the broker process is SIGKILLed. The child is this test binary re-executed with
// FERRY_STORE_CRASH_CHILD set (see ChildEnvironment); it streams batches through a GroupCommitter
// and writes each acked (host, seq) to a pipe only from the completion callback.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include "broker/store/group_committer.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/broker/test_batches.h"

namespace ferry::broker::store {
namespace {

constexpr const char* kChildEnv = "FERRY_STORE_CRASH_CHILD";  // "<db path>,<pipe fd>"
constexpr int kHosts = 4;

struct AckRecord {
  uint64_t host;
  uint64_t seq;
};

[[noreturn]] void child_main(const std::string& spec) {
  alarm(30);  // never outlive a parent that failed to kill us
  auto comma = spec.rfind(',');
  std::string path = spec.substr(0, comma);
  int fd = std::atoi(spec.c_str() + comma + 1);
  std::string why;
  auto store = BatchStore::open({.path = path}, why);
  if (!store) _exit(3);
  GroupCommitterOptions options;
  options.max_queue_bytes = 1u << 20;
  GroupCommitter committer(*store.value(), options);
  for (uint64_t seq = 1;; ++seq) {
    for (uint64_t host = 0; host < kHosts; ++host) {
      auto frame = testing::make_frame("h" + std::to_string(host), "cat", seq, 2000);
      for (;;) {
        auto r = committer.submit(frame, [fd, host, seq](Result<SubmitOutcome> outcome) {
          if (!outcome || outcome.value() != SubmitOutcome::kStored) _exit(4);
          AckRecord rec{host, seq};
          if (write(fd, &rec, sizeof rec) != sizeof rec) _exit(5);
        });
        if (r) break;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
  }
}

// When this binary is the child, the child's work replaces the tests: it starts in the
// global environment's SetUp, after main() began (so every static is initialized).
class ChildEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (const char* spec = std::getenv(kChildEnv)) child_main(spec);
  }
};
[[maybe_unused]] ::testing::Environment* const kChildEnvironment =
    ::testing::AddGlobalTestEnvironment(new ChildEnvironment);

struct ChildRun {
  std::vector<AckRecord> acks;
  int status = 0;
};

// Starts the child, lets it ack `min_acks` batches (or run into a crash point named in
// `crash_points`), SIGKILLs it if still alive, and collects every ack it sent.
ChildRun run_child(const std::string& db, size_t min_acks, const char* crash_points) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string spec = db + "," + std::to_string(fds[1]);
    setenv(kChildEnv, spec.c_str(), 1);
    if (crash_points != nullptr) setenv("FERRY_CRASH_POINTS", crash_points, 1);
    execl("/proc/self/exe", "broker_store_crash_child", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  ChildRun run;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  AckRecord rec;
  bool killed = false;
  for (;;) {
    if (!killed && (run.acks.size() >= min_acks || std::chrono::steady_clock::now() > deadline)) {
      kill(pid, SIGKILL);
      killed = true;
    }
    // After the kill, the remaining acks are still in the pipe; read until EOF.
    ssize_t n = read(fds[0], &rec, sizeof rec);
    if (n <= 0) break;
    EXPECT_EQ(n, static_cast<ssize_t>(sizeof rec));
    run.acks.push_back(rec);
  }
  close(fds[0]);
  EXPECT_EQ(waitpid(pid, &run.status, 0), pid);
  return run;
}

void expect_all_acked_present(const std::string& db, const std::vector<AckRecord>& acks) {
  std::string why;
  auto store = BatchStore::open({.path = db}, why);
  ASSERT_TRUE(store) << why;
  size_t missing = 0;
  for (const auto& a : acks) {
    auto s = store.value()->state("h" + std::to_string(a.host), "cat", 0, a.seq);
    ASSERT_TRUE(s);
    if (s.value() != BatchState::kPending) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acks.size() << " acked batches";
  // Counters are written with the batches, so they match the data after a crash too.
  size_t pending = 0;
  std::string cursor;
  for (;;) {
    auto page = store.value()->scan_pending(cursor, {});
    ASSERT_TRUE(page);
    pending += page.value().batches.size();
    cursor = page.value().cursor;
    if (page.value().end) break;
  }
  EXPECT_GE(pending, acks.size());
  EXPECT_EQ(store.value()->totals().pending_batches, pending);
}

TEST(BatchStoreCrashTest, EveryAckedBatchSurvivesSigkill) {
  ::ferry::testing::TempDir dir;
  auto run = run_child(dir.file("db"), 400, nullptr);
  ASSERT_TRUE(WIFSIGNALED(run.status)) << "child exited with " << WEXITSTATUS(run.status);
  EXPECT_EQ(WTERMSIG(run.status), SIGKILL);
  ASSERT_GE(run.acks.size(), 400u);
  expect_all_acked_present(dir.file("db"), run.acks);
}

TEST(BatchStoreCrashTest, CrashAfterSyncBeforeAckLosesNothingAcked) {
  ::ferry::testing::TempDir dir;
  auto run = run_child(dir.file("db"), SIZE_MAX, "broker.after_sync_before_ack@20");
  ASSERT_TRUE(WIFSIGNALED(run.status));
  EXPECT_EQ(WTERMSIG(run.status), SIGKILL);
  EXPECT_GT(run.acks.size(), 0u);
  expect_all_acked_present(dir.file("db"), run.acks);
}

TEST(BatchStoreCrashTest, CrashBeforeSyncLosesNothingAcked) {
  ::ferry::testing::TempDir dir;
  auto run = run_child(dir.file("db"), SIZE_MAX, "broker.before_sync@20");
  ASSERT_TRUE(WIFSIGNALED(run.status));
  EXPECT_EQ(WTERMSIG(run.status), SIGKILL);
  EXPECT_GT(run.acks.size(), 0u);
  expect_all_acked_present(dir.file("db"), run.acks);
}

}  // namespace
}  // namespace ferry::broker::store
