#include "broker/store/group_committer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "tests/support/temp_dir.h"
#include "tests/unit/broker/test_batches.h"

namespace ferry::broker::store {
namespace {

using testing::make_frame;
using testing::open_store;

// Counts completions and lets a test wait for all of them.
class Completions {
 public:
  GroupCommitter::Callback callback() {
    return [this](Result<SubmitOutcome> r) {
      std::lock_guard lock(mu_);
      if (!r) {
        ++failed_;
      } else if (r.value() == SubmitOutcome::kDelivered) {
        ++delivered_;
      } else {
        ++stored_;
      }
      done_.notify_all();
    };
  }
  void wait_for(size_t n) {
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return stored_ + delivered_ + failed_ >= n; });
  }
  size_t stored() {
    std::lock_guard l(mu_);
    return stored_;
  }
  size_t delivered() {
    std::lock_guard l(mu_);
    return delivered_;
  }
  size_t failed() {
    std::lock_guard l(mu_);
    return failed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable done_;
  size_t stored_ = 0, delivered_ = 0, failed_ = 0;
};

TEST(GroupCommitterTest, ConcurrentSubmittersShareSyncsAndEveryBatchIsStoredOnce) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  GroupCommitter committer(*store);
  Completions completions;
  constexpr int kThreads = 6;
  constexpr uint64_t kPerThread = 150;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t seq = 1; seq <= kPerThread; ++seq) {
        ASSERT_TRUE(committer.submit(make_frame("h" + std::to_string(t), "cat", seq, 200),
                                     completions.callback()));
      }
    });
  }
  for (auto& t : threads) t.join();
  completions.wait_for(kThreads * kPerThread);
  EXPECT_EQ(completions.stored(), kThreads * kPerThread);
  EXPECT_EQ(completions.failed(), 0u);

  auto stats = committer.stats();
  EXPECT_EQ(stats.submitted, kThreads * kPerThread);
  EXPECT_EQ(stats.written, kThreads * kPerThread);
  EXPECT_LT(stats.syncs, kThreads * kPerThread);
  EXPECT_GE(stats.syncs, 1u);
  EXPECT_EQ(store->totals().pending_batches, kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(store->pending_for("h" + std::to_string(t)).batches, kPerThread);
    for (uint64_t seq = 1; seq <= kPerThread; seq += 37) {
      EXPECT_EQ(store->state("h" + std::to_string(t), "cat", 0, seq).value(), BatchState::kPending);
    }
  }
  EXPECT_EQ(committer.queued_bytes(), 0u);
}

TEST(GroupCommitterTest, TwoConnectionsSendingTheSameBatchesStoreOneCopy) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  GroupCommitter committer(*store);
  Completions completions;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (uint64_t seq = 1; seq <= 200; ++seq) {
        ASSERT_TRUE(committer.submit(make_frame("h1", "cat", seq), completions.callback()));
      }
    });
  }
  for (auto& t : threads) t.join();
  completions.wait_for(400);
  EXPECT_EQ(completions.stored(), 400u);
  EXPECT_EQ(store->totals().pending_batches, 200u);
  auto stats = committer.stats();
  EXPECT_EQ(stats.written, 200u);
  EXPECT_EQ(stats.duplicates, 200u);
}

TEST(GroupCommitterTest, ResubmitAfterCommitIsAnsweredDelivered) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  GroupCommitter committer(*store);
  auto submit = [&](uint64_t seq) {
    std::promise<Result<SubmitOutcome>> done;
    auto f = done.get_future();
    EXPECT_TRUE(committer.submit(make_frame("h1", "cat", seq),
                                 [&](Result<SubmitOutcome> r) { done.set_value(std::move(r)); }));
    return f.get();
  };
  EXPECT_EQ(submit(1).value(), SubmitOutcome::kStored);
  EXPECT_EQ(submit(1).value(), SubmitOutcome::kStored);
  ASSERT_TRUE(store->mark_committed({{"h1", "cat", 1, 1}}, testing::kHour0));
  EXPECT_EQ(submit(1).value(), SubmitOutcome::kDelivered);
  EXPECT_EQ(committer.stats().delivered, 1u);
  EXPECT_EQ(store->totals().pending_batches, 0u);
}

TEST(GroupCommitterTest, WatermarksReportBackpressureAndTheQueueIsBounded) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  GroupCommitterOptions options;
  options.high_watermark_bytes = 4000;
  options.low_watermark_bytes = 0;
  options.max_queue_bytes = 10'000;
  std::mutex mu;
  std::vector<bool> crossings;
  // Hold the writer inside the first callback so the queue fills deterministically.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  GroupCommitter committer(*store, options, [&](bool over) {
    std::lock_guard lock(mu);
    crossings.push_back(over);
  });
  Completions completions;
  std::promise<void> first_started;
  ASSERT_TRUE(committer.submit(make_frame("h1", "cat", 1, 1000), [&](Result<SubmitOutcome> r) {
    first_started.set_value();
    released.wait();
    completions.callback()(std::move(r));
  }));
  first_started.get_future().wait();
  uint64_t seq = 2;
  for (; seq < 100; ++seq) {
    auto r = committer.submit(make_frame("h1", "cat", seq, 1000), completions.callback());
    if (!r) {
      EXPECT_EQ(r.error(), std::errc::resource_unavailable_try_again);
      break;
    }
  }
  EXPECT_TRUE(committer.over_high_watermark());
  EXPECT_LE(committer.queued_bytes(), options.max_queue_bytes);
  EXPECT_LT(seq, 100u);
  release.set_value();
  completions.wait_for(seq - 1);
  committer.stop();
  EXPECT_FALSE(committer.over_high_watermark());
  std::lock_guard lock(mu);
  EXPECT_EQ(crossings, (std::vector<bool>{true, false}));
  EXPECT_EQ(store->totals().pending_batches, seq - 1);
}

TEST(GroupCommitterTest, StopCompletesWhatWasQueuedAndRefusesMore) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  Completions completions;
  GroupCommitter committer(*store);
  for (uint64_t seq = 1; seq <= 50; ++seq) {
    ASSERT_TRUE(committer.submit(make_frame("h1", "cat", seq), completions.callback()));
  }
  committer.stop();
  EXPECT_EQ(completions.stored(), 50u);
  auto late = committer.submit(make_frame("h1", "cat", 51), completions.callback());
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error(), std::errc::operation_canceled);
}

}  // namespace
}  // namespace ferry::broker::store
