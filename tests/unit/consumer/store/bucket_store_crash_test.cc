// SIGKILL at every commit failpoint, then restart, redelivery of everything, commit:
// every batch exactly once in the output, every batch acked before the crash reported
// as already committed, and the hour's _SUCCESS counts exact.

#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "consumer/store/bucket_path.h"
#include "tests/support/child_process.h"
#include "tests/unit/consumer/store/store_harness.h"

namespace ferry::consumer::store::test {
namespace {

constexpr const char* kChildDirEnv = "FERRY_STORE_CRASH_CHILD_DIR";
const TimeMs kNow = kHour0 + 2 * kMsPerHour + 60'000;  // both hours below have ended

// Two hosts, two hours, five seqs each; host h2's seqs arrive out of order.
std::vector<wire::BatchFrame> workload() {
  std::vector<wire::BatchFrame> out;
  for (uint64_t seq : {1, 2, 3, 4, 5}) {
    out.push_back(make_batch("h1", "cat", seq, kHour0 + (seq <= 3 ? 0 : kMsPerHour) + seq));
  }
  for (uint64_t seq : {2, 1, 3, 5, 4}) {
    out.push_back(make_batch("h2", "cat", seq, kHour0 + (seq <= 2 ? 0 : kMsPerHour) + seq));
  }
  return out;
}

void configure(Harness& h) {
  h.clock.now = kNow;
  h.options.roll_age_ms = 0;  // every commit_due() commits every open file
}

void send_watermarks(Harness& h) {
  for (const char* host : {"h1", "h2"}) {
    ASSERT_TRUE(h.tracker->on_watermark({host, "cat", 5, kHour0 + 2 * kMsPerHour}));
  }
}

std::string id_line(const BatchId& id) { return id.host + "/" + std::to_string(id.seq); }

// The child: adds and commits, recording acks durably as it gets them, until a crash
// point kills it.
TEST(BucketStoreCrashChild, Workload) {
  const char* dir = std::getenv(kChildDirEnv);
  if (dir == nullptr) GTEST_SKIP() << "runs only as the child of BucketStoreCrashTest";
  Harness h(dir);
  configure(h);
  h.open();
  std::ofstream acked(std::string(dir) + "/acked", std::ios::app);
  auto batches = workload();
  int n = 0;
  for (const auto& b : batches) {
    ASSERT_TRUE(h.store->add(b));
    ASSERT_TRUE(h.store->add(b));  // a second broker's copy
    if (++n % 3 == 0) {
      auto ids = h.store->commit_due(kNow);
      ASSERT_TRUE(ids);
      for (const auto& id : ids.value()) acked << id_line(id) << "\n" << std::flush;
    }
  }
  auto ids = h.store->commit_all();
  ASSERT_TRUE(ids);
  for (const auto& id : ids.value()) acked << id_line(id) << "\n" << std::flush;
  send_watermarks(h);
  ASSERT_TRUE(h.tracker->evaluate(kNow));
}

class BucketStoreCrashTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BucketStoreCrashTest, RestartAndRedeliveryGiveExactlyOnce) {
  testing::TempDir dir;
  auto child = testing::run_test_child(
      "BucketStoreCrashChild.Workload",
      {{kChildDirEnv, dir.path().string()}, {"FERRY_CRASH_POINTS", GetParam()}}, 30'000);
  ASSERT_FALSE(child.timed_out);
  ASSERT_TRUE(WIFSIGNALED(child.status) && WTERMSIG(child.status) == SIGKILL)
      << "crash point " << GetParam() << " was not reached (status " << child.status << ")";

  std::set<std::string> acked;
  {
    std::ifstream in(dir.file("acked"));
    for (std::string line; std::getline(in, line);) acked.insert(line);
  }

  Harness h(dir.path().string());
  configure(h);
  h.open();
  auto batches = workload();
  for (const auto& b : batches) {
    auto r = h.store->add(b);
    ASSERT_TRUE(r) << r.error().message();
    if (acked.count(id_line(batch_id_of(b.header))) != 0) {
      EXPECT_EQ(r.value(), AddOutcome::kAlreadyCommitted) << id_line(batch_id_of(b.header));
    }
  }
  ASSERT_TRUE(h.store->commit_all());
  send_watermarks(h);
  ASSERT_TRUE(h.tracker->evaluate(kNow));

  std::map<std::string, int> want;
  for (const auto& b : batches)
    for (const auto& l : lines_of(b)) want[l] = 1;
  EXPECT_EQ(output_lines(h.root()), want);
  for (const auto& [path, c] : all_files(h.root())) {
    EXPECT_EQ(path.find(".tmp"), std::string::npos) << path;
  }
  // Both hours complete, with exact per-host counts.
  for (int i = 0; i < 2; ++i) {
    std::string success = h.root() + "/" + hour_dir("cat", kHour0 + i * kMsPerHour) + "/_SUCCESS";
    auto j = nlohmann::json::parse(testing::read_file(success), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << success;
    EXPECT_EQ(j["hosts"]["h1"]["batches"], i == 0 ? 3 : 2);
    EXPECT_EQ(j["hosts"]["h2"]["batches"], i == 0 ? 2 : 3);
    EXPECT_EQ(j["events"], 15);
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryFailpoint, BucketStoreCrashTest,
    ::testing::Values("consumer.after_open_record", "consumer.after_open_record@3",
                      "consumer.after_append", "consumer.after_append@7",
                      "consumer.after_temp_sync", "consumer.after_temp_sync@3",
                      "consumer.after_prepare", "consumer.after_prepare@3", "consumer.after_rename",
                      "consumer.after_rename@3", "consumer.after_commit_record",
                      "consumer.after_commit_record@3", "consumer.after_success_file",
                      "consumer.after_success_file@2"),
    [](const auto& info) {
      std::string name = info.param;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

}  // namespace
}  // namespace ferry::consumer::store::test
