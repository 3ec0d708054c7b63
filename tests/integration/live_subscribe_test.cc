// Live subscription over the Kafka protocol (docs/subscribe.md), with unmodified Kafka
// clients from Debian: kcat reads a category from the beginning of retention and live;
// a python3-confluent-kafka group member commits offsets, is SIGKILLed, and its successor
// resumes at the committed offset; a consumer SIGKILLed under a reading kcat comes back
// and the subscriber sees every line once, at one offset.

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/metrics/prometheus_text.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kKcat = "/usr/bin/kcat";
constexpr const char* kPython = "/usr/bin/python3";

bool python_kafka_present() {
  return fs::exists(kPython) &&
         std::system("/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null") == 0;
}

struct Subscribed {
  explicit Subscribed(int agents = 1)
      : kafka_port(free_port()), cluster([&] {
          MiniClusterOptions o;
          o.agents = agents;
          o.category = "song";
          o.consumer_tables = "[subscribe]\nlisten = \"127.0.0.1:" + std::to_string(kafka_port) +
                              "\"\nretention = \"1h\"\n";
          o.extra_identities = {tls::RoleClaim::subscriber("sub1")};
          return o;
        }()) {}

  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(kafka_port); }

  std::vector<std::string> ssl_args() const {
    auto t = cluster.tls_options("sub1");
    return {"-X", "security.protocol=ssl",
            "-X", "ssl.ca.location=" + t.ca_file,
            "-X", "ssl.certificate.location=" + t.cert_file,
            "-X", "ssl.key.location=" + t.key_file};
  }

  // kcat reading the category from `offset` ("beginning", "end" or a number); with
  // `exit_at_end` it stops at the end of the log.
  std::unique_ptr<Process> kcat(const std::string& offset, bool exit_at_end,
                                const std::string& log) const {
    std::vector<std::string> args{"-C", "-b", bootstrap(), "-t", "song",     "-p",
                                  "0",  "-o", offset,      "-f", "%o %s\\n", "-u"};
    if (exit_at_end) args.push_back("-e");
    for (auto& a : ssl_args()) args.push_back(a);
    return std::make_unique<Process>(kKcat, args, cluster.dir().file(log));
  }

  void write(int agent, const std::string& body) {
    std::ofstream(cluster.input_file(agent), std::ios::app)
        << syslog_line(cluster.host(agent), body);
  }

  uint16_t kafka_port;
  MiniCluster cluster;
};

// "OFFSET <syslog line>" lines of a client's output -> offset -> the line's body.
std::map<int64_t, std::vector<std::string>> records_in(const std::string& path) {
  std::map<int64_t, std::vector<std::string>> out;
  std::ifstream in(path);
  static const std::regex line(R"(^(\d+) .*app: (.*)$)");
  std::smatch m;
  for (std::string s; std::getline(in, s);) {
    if (std::regex_match(s, m, line)) out[std::stoll(m[1])].push_back(m[2]);
  }
  return out;
}

// Every offset from 0 holds exactly one line, and every line of `want` is there once.
void expect_exactly_once(const std::map<int64_t, std::vector<std::string>>& got,
                         const std::set<std::string>& want) {
  std::multiset<std::string> bodies;
  int64_t expected_offset = 0;
  for (const auto& [offset, values] : got) {
    EXPECT_EQ(offset, expected_offset) << "a gap in the offsets";
    expected_offset = offset + 1;
    EXPECT_EQ(values.size(), 1u) << "offset " << offset << " read " << values.size() << " times";
    for (const auto& v : values) bodies.insert(v);
  }
  EXPECT_EQ(bodies.size(), want.size());
  for (const auto& w : want) EXPECT_EQ(bodies.count(w), 1u) << w;
}

// Runs kcat -e from the beginning until it has read `n` records (the consumer appends
// as batches arrive), or 30 s passed.
std::map<int64_t, std::vector<std::string>> read_from_beginning(Subscribed& s, size_t n) {
  std::map<int64_t, std::vector<std::string>> got;
  const auto deadline = Clock::now() + 30s;
  for (int run = 0; Clock::now() < deadline; ++run) {
    const std::string log = "kcat-beginning-" + std::to_string(run) + ".out";
    auto k = s.kcat("beginning", true, log);
    k->wait(15s);
    got = records_in(s.cluster.dir().file(log));
    if (got.size() >= n) break;
    std::this_thread::sleep_for(200ms);
  }
  return got;
}

TEST(LiveSubscribeTest, KcatReadsFromTheBeginningOfRetentionAndLiveLinesWithinASecond) {
  if (!fs::exists(kKcat)) GTEST_SKIP() << "kcat is not installed (Debian package kcat)";
  Subscribed s(2);
  s.cluster.start_all();
  std::set<std::string> want;
  for (int i = 0; i < 100; ++i) {
    for (int agent : {1, 2}) {
      const std::string body = "old-" + std::to_string(agent) + "-" + std::to_string(i);
      s.write(agent, body);
      want.insert(body);
    }
  }
  auto got = read_from_beginning(s, want.size());
  expect_exactly_once(got, want);

  // Live: kcat waits at the end of the log; each line is timed from its write to its
  // arrival in kcat's output.
  auto live = s.kcat(std::to_string(want.size()), false, "kcat-live.out");
  std::this_thread::sleep_for(1s);  // kcat connected and waiting at the end
  std::vector<int64_t> latencies_ms;
  for (int i = 0; i < 7; ++i) {
    const std::string body = "live-" + std::to_string(i);
    const auto written = Clock::now();
    s.write(1 + i % 2, body);
    ASSERT_TRUE(wait_until(
        [&] {
          for (const auto& [o, v] : records_in(s.cluster.dir().file("kcat-live.out"))) {
            if (std::find(v.begin(), v.end(), body) != v.end()) return true;
          }
          return false;
        },
        10s))
        << body << " never reached kcat";
    latencies_ms.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - written).count());
    want.insert(body);
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  for (auto l : latencies_ms) std::cout << "write -> kcat: " << l << " ms\n";
  EXPECT_LT(latencies_ms[latencies_ms.size() / 2], 1000) << "median write -> subscriber";

  // The same log, read again from the beginning: old and live lines, once each.
  expect_exactly_once(read_from_beginning(s, want.size()), want);
}

TEST(LiveSubscribeTest, AnUnknownCategoryAndAnOffsetPastTheLogAreRefusedAsKafkaDoes) {
  if (!fs::exists(kKcat)) GTEST_SKIP() << "kcat is not installed (Debian package kcat)";
  Subscribed s;
  s.cluster.start_all();
  s.write(1, "one");
  ASSERT_EQ(read_from_beginning(s, 1).size(), 1u);

  std::vector<std::string> args{"-L", "-b", s.bootstrap(), "-t", "nosuch"};
  for (auto& a : s.ssl_args()) args.push_back(a);
  Process list(kKcat, args, s.cluster.dir().file("kcat-list.out"));
  ASSERT_TRUE(list.wait(15s));
  std::ifstream in(s.cluster.dir().file("kcat-list.out"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Unknown topic or partition"), std::string::npos) << text;

  auto past = s.kcat("5", true, "kcat-past.out");
  ASSERT_TRUE(past->wait(15s));
  std::ifstream pin(s.cluster.dir().file("kcat-past.out"));
  std::string ptext((std::istreambuf_iterator<char>(pin)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(records_in(s.cluster.dir().file("kcat-past.out")).empty()) << ptext;
}

TEST(LiveSubscribeTest, AGroupMemberSigkilledAfterCommittingResumesAtItsOffset) {
  if (!python_kafka_present()) {
    GTEST_SKIP() << "python3-confluent-kafka is not installed (Debian package)";
  }
  Subscribed s;
  s.cluster.start_all();
  std::set<std::string> want;
  for (int i = 0; i < 60; ++i) {
    s.write(1, "g-" + std::to_string(i));
    want.insert("g-" + std::to_string(i));
  }
  ASSERT_EQ(read_from_beginning(s, 60).size(), 60u);

  const std::string script =
      std::string(FERRY_SOURCE_DIR) + "/tests/integration/kafka/group_consumer.py";
  auto t = s.cluster.tls_options("sub1");
  auto member = [&](int count, const std::string& log) {
    return std::make_unique<Process>(
        kPython,
        std::vector<std::string>{script, s.bootstrap(), "song", "readers", t.ca_file, t.cert_file,
                                 t.key_file, std::to_string(count), "59"},
        s.cluster.dir().file(log));
  };
  auto first = member(25, "member-1.out");
  const auto ready = [&] {
    std::ifstream in(s.cluster.dir().file("member-1.out"));
    for (std::string line; std::getline(in, line);)
      if (line == "READY") return true;
    return false;
  };
  ASSERT_TRUE(wait_until(ready, 60s)) << "the first member never read 25 lines";
  // The consumer shows the group's lag and the member reading (docs/subscribe.md).
  const uint16_t http = s.cluster.consumer_http_port();
  EXPECT_TRUE(wait_until(
      [&] {
        return metrics::sample_value(
                   http_get(http, "/metrics").body,
                   "ferry_consumer_subscriber_group_lag{group=\"readers\",category=\"song\"}") ==
               35;
      },
      10s))
      << http_get(http, "/metrics").body;
  auto subscribers = nlohmann::json::parse(http_get(http, "/api/subscribers").body);
  EXPECT_EQ(subscribers["categories"][0]["high_watermark"], 60);
  bool member_seen = false;
  for (const auto& sub : subscribers["subscribers"]) {
    member_seen |= sub["subscriber"] == "sub1" && !sub["topics"].empty() &&
                   sub["topics"][0]["category"] == "song";
  }
  EXPECT_TRUE(member_seen) << subscribers.dump();
  first->kill9();

  auto second = member(0, "member-2.out");
  ASSERT_TRUE(second->wait(90s)) << "the second member never reached offset 59";
  auto got = records_in(s.cluster.dir().file("member-1.out"));
  EXPECT_EQ(got.size(), 25u);
  EXPECT_EQ(got.rbegin()->first, 24);
  for (auto& [offset, values] : records_in(s.cluster.dir().file("member-2.out"))) {
    EXPECT_GE(offset, 25) << "the second member read again what the first committed";
    for (auto& v : values) got[offset].push_back(v);
  }
  expect_exactly_once(got, want);
}

// kcat gives up once every broker is down, so the subscriber here is librdkafka through
// python3-confluent-kafka, which reconnects as Kafka consumers do.
TEST(LiveSubscribeTest, AConsumerSigkilledUnderASubscriberComesBackWithEveryLineOnce) {
  if (!python_kafka_present()) {
    GTEST_SKIP() << "python3-confluent-kafka is not installed (Debian package)";
  }
  Subscribed s;
  s.cluster.start_all();
  std::set<std::string> want;
  auto write_some = [&](const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i) {
      s.write(1, prefix + std::to_string(i));
      want.insert(prefix + std::to_string(i));
      std::this_thread::sleep_for(5ms);
    }
  };
  const auto seen = [&](size_t n) {
    return wait_until([&] { return records_in(s.cluster.dir().file("follower.out")).size() >= n; },
                      60s);
  };
  write_some("before-", 50);
  // The category exists once its first batch is in (no topic is created on request).
  ASSERT_EQ(read_from_beginning(s, 50).size(), 50u);
  auto t = s.cluster.tls_options("sub1");
  Process reader(kPython,
                 {std::string(FERRY_SOURCE_DIR) + "/tests/integration/kafka/follow.py",
                  s.bootstrap(), "song", t.ca_file, t.cert_file, t.key_file},
                 s.cluster.dir().file("follower.out"));
  ASSERT_TRUE(seen(50));
  // Lines in flight when it dies: the broker resends what was not committed, and the
  // live log gives a batch it already holds no second offset.
  write_some("during-", 30);
  s.cluster.kill9("consumer");
  write_some("down-", 30);
  s.cluster.start("consumer");
  write_some("after-", 30);
  ASSERT_TRUE(seen(want.size()))
      << "the subscriber did not resume after the consumer came back: it read "
      << records_in(s.cluster.dir().file("follower.out")).size() << " of " << want.size()
      << " lines\n"
      << read_file(s.cluster.dir().file("follower.out")).substr(0, 4000) << "\nconsumer:\n"
      << read_file(s.cluster.log("consumer"));
  std::this_thread::sleep_for(2s);  // anything read twice would show up by now
  expect_exactly_once(records_in(s.cluster.dir().file("follower.out")), want);
}

// A subscriber that stops reading (SIGSTOP: its socket fills, its fetches wait) slows
// nothing else: every line reaches the output and another subscriber meanwhile, and the
// stopped one, continued, reads them all once.
TEST(LiveSubscribeTest, AStoppedSubscriberSlowsNeitherTheOutputNorOtherSubscribers) {
  if (!python_kafka_present()) {
    GTEST_SKIP() << "python3-confluent-kafka is not installed (Debian package)";
  }
  Subscribed s;
  s.cluster.start_all();
  s.write(1, "first");
  ASSERT_EQ(read_from_beginning(s, 1).size(), 1u);
  auto t = s.cluster.tls_options("sub1");
  auto follower = [&](const std::string& out) {
    return std::make_unique<Process>(
        kPython,
        std::vector<std::string>{
            std::string(FERRY_SOURCE_DIR) + "/tests/integration/kafka/follow.py", s.bootstrap(),
            "song", t.ca_file, t.cert_file, t.key_file},
        s.cluster.dir().file(out));
  };
  auto stopped = follower("stopped.out");
  ASSERT_TRUE(
      wait_until([&] { return records_in(s.cluster.dir().file("stopped.out")).size() == 1; }, 30s));
  ASSERT_EQ(::kill(stopped->pid(), SIGSTOP), 0);
  std::set<std::string> want{"first"};
  const std::string pad(400, 'x');  // 20,000 lines of 400+ bytes: more than socket buffers hold
  {
    std::ofstream out(s.cluster.input_file(1), std::ios::app);
    for (int i = 0; i < 20000; ++i) {
      const std::string body = "bulk-" + std::to_string(i) + "-" + pad;
      out << syslog_line(s.cluster.host(1), body);
      want.insert(body);
    }
  }
  ASSERT_TRUE(wait_until([&] { return s.cluster.delivered_lines().size() == want.size(); }, 60s))
      << "the output did not get every line while a subscriber was stopped";
  auto other = follower("other.out");
  ASSERT_TRUE(wait_until(
      [&] { return records_in(s.cluster.dir().file("other.out")).size() == want.size(); }, 60s));
  expect_exactly_once(records_in(s.cluster.dir().file("other.out")), want);
  ASSERT_EQ(::kill(stopped->pid(), SIGCONT), 0);
  ASSERT_TRUE(wait_until(
      [&] { return records_in(s.cluster.dir().file("stopped.out")).size() == want.size(); }, 60s));
  expect_exactly_once(records_in(s.cluster.dir().file("stopped.out")), want);
}

}  // namespace
}  // namespace ferry::testing
