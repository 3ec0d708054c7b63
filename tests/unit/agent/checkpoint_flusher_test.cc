// CheckpointFlusher (agent/checkpoint_flusher.h) with a real Checkpoint in a temp dir: a
// batch is released only once a write that covers it is on disk, in submit order, and a
// failed write releases nothing.

#include "agent/checkpoint_flusher.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace ferry::agent {
namespace {

using namespace std::chrono_literals;
using ferry::testing::TempDir;

class CheckpointFlusherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cp = checkpoint::Checkpoint::open(dir_.file("checkpoint"));
    ASSERT_TRUE(cp) << cp.error().message();
    checkpoint_ = std::move(cp).value();
    flusher_ = std::make_unique<CheckpointFlusher>(
        io_, *checkpoint_,
        [this](CheckpointFlusher::Batches b) {
          for (auto& x : b) {
            // What is released must already be on disk.
            auto on_disk = checkpoint::Checkpoint::open(dir_.file("checkpoint"));
            EXPECT_TRUE(on_disk && on_disk.value()->unacked("app").count(x.seq))
                << "released before durable: " << x.seq;
            released_.push_back(x.seq);
          }
        },
        [this](std::error_code ec) { failures_.push_back(ec); });
  }

  // Records the next batch of "app" (a 10-byte range) and returns it as the pump would.
  send::InflightBatch record() {
    checkpoint::BatchRecord r;
    r.seq = checkpoint_->next_seq("app");
    r.file = {1, 7, (uint64_t{10} << 32) | 1};
    r.offset = (r.seq - 1) * 10;
    r.length = 10;
    r.event_count = 1;
    EXPECT_TRUE(checkpoint_->record_batch("app", r, "/var/log/app.log"));
    send::InflightBatch b;
    b.category = "app";
    b.seq = r.seq;
    b.events = 1;
    return b;
  }

  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(10ms);
    }
    return true;
  }

  TempDir dir_;
  asio::io_context io_;
  std::unique_ptr<checkpoint::Checkpoint> checkpoint_;
  std::unique_ptr<CheckpointFlusher> flusher_;
  std::vector<uint64_t> released_;
  std::vector<std::error_code> failures_;
};

TEST_F(CheckpointFlusherTest, BatchesAreReleasedOnlyOnceOnDiskAndInOrder) {
  flusher_->submit({record(), record()});
  EXPECT_TRUE(released_.empty()) << "nothing goes out before its write completed";
  EXPECT_FALSE(flusher_->idle());
  flusher_->submit({record()});  // recorded while the first write runs: the next write covers it
  EXPECT_EQ(flusher_->unreleased(), 3u);
  ASSERT_TRUE(run_until([&] { return released_.size() == 3; }));
  EXPECT_EQ(released_, (std::vector<uint64_t>{1, 2, 3}));
  ASSERT_TRUE(run_until([&] { return flusher_->idle(); }));
  EXPECT_EQ(flusher_->unreleased(), 0u);
  EXPECT_TRUE(failures_.empty());
}

TEST_F(CheckpointFlusherTest, ARequestWritesDeliveredMarks) {
  flusher_->submit({record()});
  ASSERT_TRUE(run_until([&] { return released_.size() == 1 && flusher_->idle(); }));
  checkpoint_->mark_delivered("app", 1);
  flusher_->request();
  ASSERT_TRUE(run_until([&] { return flusher_->idle(); }));
  auto on_disk = checkpoint::Checkpoint::open(dir_.file("checkpoint"));
  ASSERT_TRUE(on_disk);
  EXPECT_TRUE(on_disk.value()->unacked("app").empty());
}

TEST_F(CheckpointFlusherTest, AFailedWriteReleasesNothingAndSaysSo) {
  std::filesystem::remove_all(dir_.path());  // the write's directory is gone
  flusher_->submit({record(), record()});
  ASSERT_TRUE(run_until([&] { return !failures_.empty(); }));
  flusher_->submit({record()});
  io_.restart();
  io_.run_for(100ms);
  EXPECT_TRUE(released_.empty());
  EXPECT_EQ(failures_.size(), 1u);
  EXPECT_TRUE(flusher_->idle()) << "a failed flusher starts no more writes";
  EXPECT_TRUE(checkpoint_->dirty()) << "what the failed write held is not durable";
}

}  // namespace
}  // namespace ferry::agent
