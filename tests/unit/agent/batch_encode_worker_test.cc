// BatchEncodeWorker: cut batches go to a worker thread unencoded and come back on the io
// thread encoded, in the order submitted, each frame what the io thread would have made.

#include "agent/batch_encode_worker.h"

#include <thread>

#include <gtest/gtest.h>

#include "tests/unit/agent/batch_text.h"

namespace ferry::agent {
namespace {

batch::BuiltBatch built(const std::string& line, TimeMs t) {
  batch::BatchBuilder b(1 << 20);
  b.add(line, t, 0);
  return b.take();
}

send::InflightBatch unencoded(uint64_t seq) {
  send::InflightBatch ib;
  ib.category = "app";
  ib.seq = seq;
  ib.events = 1;
  ib.unencoded = std::make_shared<send::UnencodedBatch>(
      send::UnencodedBatch{built("line " + std::to_string(seq) + "\n", 1'000), {1, 2, 3}});
  return ib;
}

TEST(BatchEncodeWorkerTest, BatchesComeBackEncodedInOrderOnTheIoThread) {
  asio::io_context io;
  auto busy = asio::make_work_guard(io);  // run_one waits for the worker's posts
  const auto io_thread = std::this_thread::get_id();
  std::vector<send::InflightBatch> done;
  std::vector<std::string> failures;
  BatchEncodeWorker worker(
      io, std::make_unique<BatchEncoder>("host-a", 9, 1),
      [&](BatchEncodeWorker::Batches b) {
        EXPECT_EQ(std::this_thread::get_id(), io_thread);
        for (auto& x : b) done.push_back(std::move(x));
      },
      [&](const std::string& why) { failures.push_back(why); });
  for (uint64_t seq = 1; seq <= 20; seq += 2) worker.submit({unencoded(seq), unencoded(seq + 1)});
  EXPECT_EQ(worker.pending(), 20u);
  while (done.size() < 20 && failures.empty()) io.run_one();
  EXPECT_EQ(worker.pending(), 0u);
  ASSERT_TRUE(failures.empty()) << failures.front();
  BatchEncoder inline_encoder("host-a", 9, 1);
  for (uint64_t i = 0; i < done.size(); ++i) {
    const uint64_t seq = i + 1;
    EXPECT_EQ(done[i].seq, seq);
    EXPECT_EQ(done[i].unencoded, nullptr);
    auto expected = inline_encoder.encode(
        "app", seq, built("line " + std::to_string(seq) + "\n", 1'000), {1, 2, 3});
    ASSERT_TRUE(expected);
    EXPECT_EQ(done[i].frame, expected.value().frame) << "seq " << seq;
    EXPECT_EQ(testing::batch_text(done[i]).events, "line " + std::to_string(seq) + "\n");
  }
}

TEST(BatchEncodeWorkerTest, ABatchThatCannotBeEncodedStopsEverythingAfterIt) {
  asio::io_context io;
  auto busy = asio::make_work_guard(io);
  std::vector<uint64_t> done;
  std::vector<std::string> failures;
  BatchEncodeWorker worker(
      io, std::make_unique<BatchEncoder>("host-a", 9, 1),
      [&](BatchEncodeWorker::Batches b) {
        for (auto& x : b) done.push_back(x.seq);
      },
      [&](const std::string& why) { failures.push_back(why); });
  auto bad = unencoded(2);
  bad.category = "no/slash";  // not a valid name: the header check refuses it
  worker.submit({unencoded(1)});
  worker.submit({bad, unencoded(3)});
  worker.submit({unencoded(4)});
  while (worker.pending() > 0) io.run_one();
  EXPECT_EQ(done, std::vector<uint64_t>{1});
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("no/slash/2"), std::string::npos) << failures[0];
}

}  // namespace
}  // namespace ferry::agent
