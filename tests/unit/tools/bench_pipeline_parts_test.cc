// The parts of `ferryctl bench pipeline` that decide its figures: the lost/duplicated
// count (of the output and of each subscriber), the timed lines, the committed-output watcher and
// the percentiles.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/support/temp_dir.h"
#include "tools/ferryctl/bench_corpus.h"
#include "tools/ferryctl/delivery_count.h"
#include "tools/ferryctl/latency_probe.h"

namespace ferry::ferryctl {
namespace {

TEST(DeliveryCountTest, CountsLinesMissingAndExtraAcrossFilesIgnoringAnUnterminatedTail) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.file("out/bench/2026/01/01/00"));
  testing::write_file(dir.file("h1.log"), "a\nb\nb\nc\n");
  testing::write_file(dir.file("h2.log"), "d\ne\nhalf-written");
  // b once (one lost), d twice (one duplicated), e missing (lost), z never written.
  testing::write_file(dir.file("out/bench/2026/01/01/00/part-1.log"), "a\nb\nc\nd\n");
  testing::write_file(dir.file("out/bench/2026/01/01/00/part-2.log"), "d\nz\n");
  testing::write_file(dir.file("out/bench/2026/01/01/00/.part-3.log.tmp"), "e\n");  // not committed
  auto count = count_delivery({dir.file("h1.log"), dir.file("h2.log")}, dir.file("out"));
  ASSERT_TRUE(count);
  EXPECT_EQ(count.value().lines, 6u);
  EXPECT_EQ(count.value().lost, 2u);
  EXPECT_EQ(count.value().duplicated, 2u);
}

// A bench subscriber's lines, in the order it read them, against the files written.
TEST(DeliveryCountTest, ComparesAReadersLineHashesInAnyOrderWithTheWrittenFiles) {
  testing::TempDir dir;
  testing::write_file(dir.file("h1.log"), "a\nb\nb\nhalf-written");
  const auto written = written_line_hashes({dir.file("h1.log")});
  ASSERT_EQ(written.size(), 3u);
  const auto exact = compare_line_hashes(written, {line_hash("b"), line_hash("a"), line_hash("b")});
  EXPECT_EQ(exact.lost, 0u);
  EXPECT_EQ(exact.duplicated, 0u);
  // b read once (one lost), a twice and z never written (two duplicated).
  const auto off = compare_line_hashes(
      written, {line_hash("a"), line_hash("z"), line_hash("b"), line_hash("a")});
  EXPECT_EQ(off.lost, 1u);
  EXPECT_EQ(off.duplicated, 2u);
}

TEST(BenchCorpusTest, TimedLinesCarryTheirSeqAndWriteTimeAndCorpusLinesDoNot) {
  EventLines events;
  std::string text;
  events.append(text, 42, 1'764'000'000'000, 1'764'000'000'123'456);
  ASSERT_EQ(text.back(), '\n');
  uint64_t seq = 0;
  int64_t written = 0;
  ASSERT_TRUE(parse_timed_line(text, seq, written));
  EXPECT_EQ(seq, 42u);
  EXPECT_EQ(written, 1'764'000'000'123'456);
  std::string plain;
  events.append(plain, 43, 1'764'000'000'000);
  EXPECT_FALSE(parse_timed_line(plain, seq, written));
}

TEST(LatencySummaryTest, NearestRankPercentiles) {
  std::vector<int64_t> us;
  for (int64_t ms = 100; ms >= 1; --ms) us.push_back(ms * 1000);
  auto s = summarize_latency(us);
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.p50_ms, 50);
  EXPECT_EQ(s.p90_ms, 90);
  EXPECT_EQ(s.p99_ms, 99);
  EXPECT_EQ(s.max_ms, 100);
  EXPECT_EQ(summarize_latency({}).count, 0u);
}

TEST(CommitWatcherTest, TimesEachTimedLineOnceFromCommittedPartsOnly) {
  testing::TempDir dir;
  const std::string hour = dir.file("out/bench/2026/01/01/00");
  std::filesystem::create_directories(hour);
  EventLines events;
  std::string first, again, hidden;
  const int64_t written = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  for (uint64_t seq = 0; seq < 3; ++seq) events.append(first, seq, written / 1000, written);
  events.append(again, 1, written / 1000, written);   // seq 1 delivered twice
  events.append(hidden, 7, written / 1000, written);  // a temp file: not committed
  testing::write_file(hour + "/.part-9.log.tmp", hidden);
  CommitWatcher watcher(dir.file("out"), 5);
  // Committed as the consumer commits: whole, by rename.
  auto commit = [&](const std::string& name, const std::string& text) {
    testing::write_file(hour + "/.staging", text);
    std::filesystem::rename(hour + "/.staging", hour + "/" + name);
  };
  commit("part-1.log", first);
  commit("part-2.log", again);
  for (int i = 0; i < 2000 && watcher.lines_seen() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  watcher.stop();
  EXPECT_TRUE(watcher.error().empty()) << watcher.error();
  EXPECT_EQ(watcher.lines_seen(), 3u);
  auto latencies = watcher.latencies_us();
  ASSERT_EQ(latencies.size(), 3u);
  for (int64_t l : latencies) EXPECT_GE(l, 0);
}

}  // namespace
}  // namespace ferry::ferryctl
