// Replay from broker retention (DESIGN §7): real daemons, the ferryctl CLI, SIGKILL.
// Each test delivers lines, deletes the delivered hours, replays them from the brokers,
// and checks that <hour>/replay-<id>/ holds every original line exactly once.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/base/utc_time.h"
#include "common/compress/zstd_codec.h"
#include "common/crypto/key_ring.h"
#include "tests/support/delivery_check.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"
#include "tests/support/process.h"
#include "tests/support/replay_check.h"
#include "tests/support/temp_dir.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

TEST(ReplayTest, BrokersReplayADeletedHourExactlyOnce) {
  constexpr int kAgents = 2, kLines = 3000;
  MiniCluster cluster({.brokers = 1, .agents = kAgents});
  cluster.start_all();
  write_and_deliver(cluster, kAgents, kLines, 20, 60s);
  ASSERT_NO_FATAL_FAILURE(delete_output(cluster));

  const uint64_t id = start_replay(cluster, " --category events");
  CtlRun done = wait_replay(cluster, id, 60);
  ASSERT_EQ(done.status, 0) << done.out;
  EXPECT_NE(done.out.find("state: complete"), std::string::npos) << done.out;
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), kAgents,
                   kLines);
  EXPECT_TRUE(lines_in(cluster.output_root(), "").empty()) << "a replay wrote into a live hour";
  expect_success_files(cluster, id);
  auto r = replay_json(cluster, id);
  EXPECT_EQ(r["committed_events"].get<uint64_t>(), static_cast<uint64_t>(kAgents * kLines));
  EXPECT_TRUE(r["missing"].empty()) << r.dump();
  for (const auto& s : r["streams"])
    EXPECT_EQ(s["replayed_events"], s["committed_events"]) << s.dump();

  // A second replay of the same range is a replay of its own: written apart, once again.
  const uint64_t again = start_replay(cluster);
  ASSERT_EQ(wait_replay(cluster, again, 60).status, 0);
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(again)), kAgents,
                   kLines);
}

TEST(ReplayTest, SigkilledBrokerAndConsumerResumeExactlyOnce) {
  constexpr int kAgents = 2, kLines = 40000;
  MiniCluster cluster({.brokers = 1, .agents = kAgents});
  cluster.start_all();
  write_and_deliver(cluster, kAgents, kLines, 200, 120s);
  ASSERT_NO_FATAL_FAILURE(delete_output(cluster));

  // Slow enough that both kills land mid-replay.
  const uint64_t id = start_replay(cluster, " --rate-mb 0.05");
  const uint64_t total = kAgents * kLines;
  auto committed = [&] { return replay_json(cluster, id)["committed_events"].get<uint64_t>(); };
  ASSERT_TRUE(wait_until([&] { return committed() > 0; }, 30s));
  ASSERT_LT(committed(), total) << "the replay finished before the broker could be killed mid-way";
  cluster.kill9("broker-1");
  cluster.start("broker-1");
  ASSERT_TRUE(wait_until([&] { return committed() > total / 3; }, 60s));
  ASSERT_LT(committed(), total)
      << "the replay finished before the consumer could be killed mid-way";
  cluster.kill9("consumer");
  cluster.start("consumer");

  CtlRun done = wait_replay(cluster, id, 120);
  ASSERT_EQ(done.status, 0) << done.out;
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), kAgents,
                   kLines);
  EXPECT_EQ(committed(), total) << "counts recomputed after the consumer's restart";
  expect_success_files(cluster, id);
}

// Agents fail over between two brokers while delivering: a batch may be retained by both.
// The replay asks both, each sends its share, and every line still lands once.
TEST(ReplayTest, TwoBrokersWithOverlappingRetentionReplayOnce) {
  constexpr int kAgents = 2, kLines = 20000;
  MiniCluster cluster({.brokers = 2, .agents = kAgents});
  cluster.start_all();
  Writer writer(cluster, kAgents, kLines, 100);
  writer.start();
  std::this_thread::sleep_for(1500ms);
  cluster.kill9("broker-1");  // its agents resend to broker-2 what broker-1 had not DELIVERED
  std::this_thread::sleep_for(1500ms);
  cluster.start("broker-1");
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, kAgents, kLines, 120s), kAgents * kLines);
  ASSERT_NO_FATAL_FAILURE(delete_output(cluster));
  const uint64_t id = start_replay(cluster);
  CtlRun done = wait_replay(cluster, id, 120);
  ASSERT_EQ(done.status, 0) << done.out;
  EXPECT_NE(done.out.find("brokers done: 2 of 2"), std::string::npos) << done.out;
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), kAgents,
                   kLines);
}

// Every broker reported done, then the consumer died before _SUCCESS: no broker reports
// again, so the restarted consumer finishes the replay from its own record.
TEST(ReplayTest, ConsumerKilledBeforeSuccessCompletesAfterRestart) {
  constexpr int kLines = 1000;
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  write_and_deliver(cluster, 1, kLines, 20, 60s);
  cluster.kill9("consumer");
  cluster.start("consumer", {{"FERRY_CRASH_POINTS", "consumer.replay_before_success"}});
  ASSERT_TRUE(consumer_up(cluster));
  ASSERT_TRUE(wait_until(
      [&] {  // the broker is back on its link (its self-status arrived)
        auto dcs = json::parse(http_get(cluster.consumer_http_port(), "/api/summary").body)["dcs"];
        for (const auto& [dc, d] : dcs.items()) {
          if (d.value("brokers_reporting", 0) > 0) return true;
        }
        return false;
      },
      30s));
  const uint64_t id = start_replay(cluster);
  ASSERT_TRUE(wait_until([&] { return !cluster.running("consumer"); }, 60s))
      << "the crash point did not fire";
  cluster.start("consumer");
  CtlRun done = wait_replay(cluster, id, 60);
  ASSERT_EQ(done.status, 0) << done.out;
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), 1, kLines);
  expect_success_files(cluster, id);
}

TEST(ReplayTest, SealedClusterReplaysCiphertextFromBrokers) {
  constexpr int kLines = 2000;
  TempDir keys;
  std::string why;
  ASSERT_TRUE(crypto::make_key_file(keys.file("keys"), why)) << why;
  MiniClusterOptions o{.brokers = 1, .agents = 1};
  o.agent_extra = o.consumer_extra = "[seal]\nkeys_dir = \"" + keys.file("keys") + "\"\n";
  MiniCluster cluster(o);
  cluster.start_all();
  write_and_deliver(cluster, 1, kLines, 20, 60s);
  ASSERT_NO_FATAL_FAILURE(delete_output(cluster));
  const uint64_t id = start_replay(cluster);
  CtlRun done = wait_replay(cluster, id, 60);
  ASSERT_EQ(done.status, 0) << done.out;
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), 1, kLines);
  EXPECT_TRUE(fs::is_empty(cluster.dir().file("data/consumer/quarantine")) ||
              !fs::exists(cluster.dir().file("data/consumer/quarantine")))
      << "a replayed sealed batch failed to open";
}

// The histogram's running (sum, count) of live delivery latency on the consumer.
std::pair<double, double> latency_totals(const MiniCluster& c) {
  const std::string body = http_get(c.consumer_http_port(), "/metrics").body;
  std::smatch sum, count;
  static const std::regex s("\nferry_delivery_latency_seconds_sum ([0-9.e+]+)");
  static const std::regex n("\nferry_delivery_latency_seconds_count ([0-9.e+]+)");
  if (!std::regex_search(body, sum, s) || !std::regex_search(body, count, n)) return {0, 0};
  return {std::stod(sum[1]), std::stod(count[1])};
}

double mean_between(std::pair<double, double> a, std::pair<double, double> b) {
  return b.second > a.second ? (b.first - a.first) / (b.second - a.second) : 0;
}

// Replays yield to live traffic (docs/operations.md "Replay"): the extra live latency a
// replay adds is bounded by what it may queue ahead of a live batch (256 KiB on the
// broker's socket plus one 1 MiB page, and the 4 MiB replay window at the consumer),
// tens of milliseconds on loopback. Checked here against 1 s, for a noisy machine.
TEST(ReplayTest, ReplayDuringLiveTrafficKeepsLiveLagBounded) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  // What will be replayed: ~12 MB of lines that do not compress, so the replay lasts.
  constexpr int kBulk = 60000;
  {
    std::mt19937_64 rng(7);
    std::ofstream out(cluster.input_file(1), std::ios::app);
    for (int i = 0; i < kBulk; ++i) {
      char hex[224];
      for (int k = 0; k < 200; k += 16)
        std::snprintf(hex + k, 17, "%016llx", static_cast<unsigned long long>(rng()));
      out << syslog_line("h1", "bulk=" + std::to_string(i) + " " + std::string(hex, 200));
    }
  }
  auto bulk_delivered = [&] {
    size_t n = 0;
    for (const auto& l : cluster.delivered_lines()) n += l.find(" bulk=") != std::string::npos;
    return n;
  };
  ASSERT_TRUE(wait_until([&] { return bulk_delivered() == kBulk; }, 120s));

  std::atomic<bool> stop{false};
  std::thread live([&] {
    for (int i = 0; !stop; ++i) {
      std::ofstream(cluster.input_file(1), std::ios::app)
          << syslog_line("h1", "live=" + std::to_string(i));
      std::this_thread::sleep_for(10ms);
    }
  });
  std::this_thread::sleep_for(3s);
  const auto b0 = latency_totals(cluster);
  std::this_thread::sleep_for(6s);
  const auto b1 = latency_totals(cluster);
  const uint64_t id = start_replay(cluster, " --rate-mb 2");
  const CtlRun done = wait_replay(cluster, id, 120);
  const auto r1 = latency_totals(cluster);
  stop = true;
  live.join();
  ASSERT_EQ(done.status, 0) << done.out;
  const double baseline = mean_between(b0, b1), during = mean_between(b1, r1);
  std::printf(
      "live delivery latency: %.3f s mean without a replay (%.0f batches), %.3f s during it (%.0f "
      "batches)\n",
      baseline, b1.second - b0.second, during, r1.second - b1.second);
  ASSERT_GT(r1.second - b1.second, 10) << "too few live batches during the replay to compare";
  EXPECT_LE(during - baseline, 1.0) << "the replay held live delivery back";
  size_t replayed = 0;
  for (const auto& l : lines_in(cluster.output_root(), "replay-" + std::to_string(id))) {
    replayed += l.find(" bulk=") != std::string::npos;
  }
  EXPECT_EQ(replayed, static_cast<size_t>(kBulk));
}

// Retention that no longer holds the range: the replay completes, says what is missing
// and why, and writes nothing it does not have.
TEST(ReplayTest, ARangeBeyondRetentionIsReportedMissing) {
  constexpr int kLines = 500;
  MiniCluster cluster(
      {.brokers = 1, .agents = 1, .broker_tables = "[store]\nretention_bytes = 1\n"});
  cluster.start_all();
  write_and_deliver(cluster, 1, kLines, 20, 60s);
  // Housekeeping expires everything beyond one byte within a second or so.
  ASSERT_TRUE(wait_until(
      [&] {
        return json::parse(http_get(cluster.broker_http_port(1), "/api/summary")
                               .body)["retained_batches"] == 0;
      },
      30s));
  const uint64_t id = start_replay(cluster);
  CtlRun done = wait_replay(cluster, id, 60);
  ASSERT_EQ(done.status, 0) << done.out;
  EXPECT_NE(done.out.find("MISSING"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("no longer holds"), std::string::npos) << done.out;
  auto r = replay_json(cluster, id);
  ASSERT_EQ(r["missing"].size(), 1u) << r.dump();
  EXPECT_EQ(r["missing"][0]["broker"], "broker-1");
  EXPECT_TRUE(lines_in(cluster.output_root(), "replay-" + std::to_string(id)).empty());
}

// The consumer's page lists the replay with its progress; a broker's shows its retention
// and the job it ran (a real browser: chromium --dump-dom).
TEST(ReplayTest, DashboardShowsReplaysAndRetention) {
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed";
  constexpr int kLines = 300;
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  write_and_deliver(cluster, 1, kLines, 20, 60s);
  const uint64_t id = start_replay(cluster);
  ASSERT_EQ(wait_replay(cluster, id, 60).status, 0);
  auto dom = [](uint16_t port) {
    TempDir profile;
    return run("timeout 90 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run "
               "--disable-background-networking --disable-dev-shm-usage --user-data-dir=" +
               profile.path().string() +
               " --virtual-time-budget=5000 --dump-dom http://127.0.0.1:" + std::to_string(port) +
               "/ 2>/dev/null")
        .out;
  };
  const std::string consumer = dom(cluster.consumer_http_port());
  const std::string row = "<tr><td>" + std::to_string(id) + "</td>";
  auto at = consumer.find(row);
  ASSERT_NE(at, std::string::npos) << "no row for replay " << id;
  const std::string tail = consumer.substr(at, 600);
  EXPECT_NE(tail.find(">complete<"), std::string::npos) << tail;
  EXPECT_NE(tail.find("<td>1 / 1</td>"), std::string::npos) << tail;
  EXPECT_NE(tail.find("<td>" + std::to_string(kLines) + "</td>"), std::string::npos) << tail;
  const std::string broker = dom(cluster.broker_http_port(1));
  EXPECT_NE(broker.find("Retention: 24.0 h"), std::string::npos);
  EXPECT_NE(broker.find(row), std::string::npos) << "the broker's page does not list the job";
}

TEST(ReplayTest, RefusalsAreClear) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  ASSERT_TRUE(consumer_up(cluster));
  const std::string ctl = bin_path("ferryctl") + " replay ";
  CtlRun bad_time = run(ctl + "start" + target(cluster) + " --from yesterday --to 2026-12-02/09");
  EXPECT_NE(bad_time.status, 0);
  EXPECT_NE(bad_time.out.find("--from yesterday"), std::string::npos) << bad_time.out;
  CtlRun no_token =
      run(ctl + "start --url http://127.0.0.1:" + std::to_string(cluster.consumer_http_port()) +
          " --from 2026-12-02/09 --to 2026-12-02/09");
  EXPECT_NE(no_token.status, 0) << no_token.out;
  CtlRun unknown = run(ctl + "status 12345" + target(cluster));
  EXPECT_NE(unknown.status, 0) << unknown.out;
  EXPECT_NE(unknown.out.find("404"), std::string::npos) << unknown.out;
}

}  // namespace
}  // namespace ferry::testing
