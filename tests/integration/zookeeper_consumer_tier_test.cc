// A consumer tier coordinated in ZooKeeper (docs/coordination.md): brokers route each
// stream to the live consumer that owns its slot; consumers claim, fence and release
// slots. Checked on the shared output: every line once, and per stream one writer at a
// time (the commit manifests under _ferry/commits say who committed which seqs); an
// hour's _SUCCESS once every stream passed it, written by one consumer.

#include <gtest/gtest.h>
#include <signal.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "common/zk/slot_map.h"
#include "tests/support/commit_history.h"
#include "tests/support/delivery_check.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"
#include "tests/support/zookeeper_server.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

int slots_owned(const MiniCluster& cluster, int c) {
  static const std::regex kOwned("\"slots_owned\":(-?[0-9]+)");
  std::smatch m;
  std::string body;
  try {
    body = http_get(cluster.consumer_http_port(c), "/api/summary").body;
  } catch (const std::exception&) {
    return 0;  // not listening (yet, or any more)
  }
  return std::regex_search(body, m, kOwned) ? std::stoi(m[1]) : 0;
}

// Waits until consumers `live` hold every slot between them.
void wait_slots_settled(const MiniCluster& cluster, const std::vector<int>& live) {
  ASSERT_TRUE(wait_until(
      [&] {
        int sum = 0;
        for (int c : live) sum += slots_owned(cluster, c);
        return sum == static_cast<int>(zk::kSlots);
      },
      60s))
      << "the live consumers never held all slots";
}

std::string owner_of(int agent, const std::vector<std::string>& ids) {
  return zk::SlotMap(ids).owner_of("h" + std::to_string(agent), "events");
}

void expect_one_writer_at_a_time(const MiniCluster& cluster) {
  auto history = read_commit_history(cluster.output_root());
  EXPECT_GT(history.manifests, 0u);
  for (const auto& overlap : history.overlaps())
    ADD_FAILURE() << "two writers at once: " << overlap;
}

// Brokers registered before any agent looks (an agent sticks to the first broker it
// finds), then the agents.
void start_brokers_then_agents(MiniCluster& cluster, int agents) {
  for (const char* b : {"broker-1", "broker-2"}) cluster.start(b);
  for (const char* b : {"broker-1", "broker-2"}) {
    ASSERT_TRUE(wait_until(
        [&] {
          return read_file(cluster.log(b)).find("registered /brokers/dc1/") != std::string::npos;
        },
        30s))
        << b;
  }
  for (int a = 1; a <= agents; ++a) cluster.start("agent-" + std::to_string(a));
}

MiniClusterOptions tier(const std::string& zk, int consumers, int agents) {
  MiniClusterOptions o{.brokers = 2, .agents = agents, .zookeeper = zk};
  o.consumers = consumers;
  o.log_to_files = false;
  return o;
}

TEST(ZooKeeperConsumerTierTest, BrokersRouteEachStreamToItsSlotOwner) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kConsumers = 3, kAgents = 8, kLines = 2000;
  MiniCluster cluster(tier(zk.hosts(), kConsumers, kAgents));
  for (int c = 1; c <= kConsumers; ++c) cluster.start(MiniCluster::consumer_name(c));
  wait_slots_settled(cluster, {1, 2, 3});
  start_brokers_then_agents(cluster, kAgents);

  write_and_deliver(cluster, kAgents, kLines, 4, 90s);

  const std::vector<std::string> ids{"consumer-1", "consumer-2", "consumer-3"};
  auto history = read_commit_history(cluster.output_root());
  std::set<std::string> writer_ids;
  for (int a = 1; a <= kAgents; ++a) {
    const auto& by_writer = history.streams["h" + std::to_string(a) + "/events"];
    ASSERT_EQ(by_writer.size(), 1u) << "h" << a << " has one writer";
    const std::string& tag = by_writer.begin()->first;
    EXPECT_EQ(tag.substr(0, tag.rfind('-')), owner_of(a, ids))
        << "h" << a << " is written by its slot's owner";
    writer_ids.insert(tag.substr(0, tag.rfind('-')));
  }
  EXPECT_EQ(writer_ids.size(), 3u) << "every consumer writes some of the streams";

  // Brokers send every host's STATUS to every consumer: any consumer's page shows all.
  for (int c = 1; c <= kConsumers; ++c) {
    EXPECT_TRUE(wait_until(
        [&] {
          const std::string hosts = http_get(cluster.consumer_http_port(c), "/api/hosts").body;
          for (int a = 1; a <= kAgents; ++a) {
            if (hosts.find("\"h" + std::to_string(a) + "\"") == std::string::npos) return false;
          }
          return true;
        },
        10s))
        << "consumer " << c
        << " shows every host: " << http_get(cluster.consumer_http_port(c), "/api/hosts").body;
  }
}

TEST(ZooKeeperConsumerTierTest, ExactlyOnceAcrossAConsumerKilledAndOneAdded) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kAgents = 8, kLines = 3000;
  MiniCluster cluster(tier(zk.hosts(), 4, kAgents));
  for (int c = 1; c <= 3; ++c) cluster.start(MiniCluster::consumer_name(c));
  wait_slots_settled(cluster, {1, 2, 3});
  start_brokers_then_agents(cluster, kAgents);

  // The victim writes some streams; the newcomer takes some over.
  const std::string victim = "consumer-3";
  int victim_streams = 0, newcomer_streams = 0;
  for (int a = 1; a <= kAgents; ++a) {
    victim_streams += owner_of(a, {"consumer-1", "consumer-2", "consumer-3"}) == victim;
    newcomer_streams += owner_of(a, {"consumer-1", "consumer-2", "consumer-4"}) == "consumer-4";
  }
  ASSERT_GT(victim_streams, 0);
  ASSERT_GT(newcomer_streams, 0);

  Writer writer(cluster, kAgents, kLines, 2);  // ~15 s of traffic
  writer.start();
  std::this_thread::sleep_for(4s);
  cluster.kill9(MiniCluster::consumer_name(3));
  wait_slots_settled(cluster, {1, 2});  // after its session (2 s) expired
  std::this_thread::sleep_for(2s);
  cluster.start(MiniCluster::consumer_name(4));
  wait_slots_settled(cluster, {1, 2, 4});
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, kAgents, kLines, 120s), kAgents * kLines);
  expect_one_writer_at_a_time(cluster);

  auto writers = read_commit_history(cluster.output_root()).writers();
  std::set<std::string> ids;
  for (const auto& tag : writers) ids.insert(tag.substr(0, tag.rfind('-')));
  EXPECT_TRUE(ids.count("consumer-4")) << "the newcomer wrote its streams";
  EXPECT_TRUE(ids.count("consumer-3")) << "the victim wrote before it died";
}

TEST(ZooKeeperConsumerTierTest, AConsumerPausedPastItsSessionIsFencedAndWritesNothing) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kAgents = 6, kLines = 3000;
  MiniCluster cluster(tier(zk.hosts(), 3, kAgents));
  for (int c = 1; c <= 3; ++c) cluster.start(MiniCluster::consumer_name(c));
  wait_slots_settled(cluster, {1, 2, 3});
  start_brokers_then_agents(cluster, kAgents);

  const std::string victim = "consumer-3";  // writes h1..h5 (common/zk/slot_map.h ranks)
  Writer writer(cluster, kAgents, kLines, 2);
  writer.start();
  std::this_thread::sleep_for(4s);
  const pid_t pid = cluster.pid(MiniCluster::consumer_name(3));
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  // Its session expires; the others claim its slots and fence it.
  wait_slots_settled(cluster, {1, 2});
  ASSERT_TRUE(wait_until(
      [&] {
        for (int c : {1, 2}) {
          if (read_file(cluster.log(MiniCluster::consumer_name(c)))
                  .find("fenced consumer instance " + victim) != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      30s))
      << "nobody fenced the paused consumer";
  std::this_thread::sleep_for(2s);  // the new owners write the moved streams
  const auto before = read_commit_history(cluster.output_root());
  std::set<std::string> paused_tags;  // the paused instance's fence tags (<id>-<epoch>)
  for (const auto& [stream, by_writer] : before.streams) {
    for (const auto& [tag, seqs] : by_writer) {
      if (tag.rfind(victim + "-", 0) == 0) paused_tags.insert(tag);
    }
  }
  ASSERT_EQ(::kill(pid, SIGCONT), 0);
  // It wakes with batches and open files of streams it no longer owns: none may land.
  // Whichever it notices first: its session expired (it starts again as a new instance,
  // in place, and rejoins), or a write failed on the fence (it exits 1 for its
  // supervisor to restart).
  auto restarted = [&] {
    return read_file(cluster.log(MiniCluster::consumer_name(3)))
               .find("starting again as a new instance") != std::string::npos;
  };
  ASSERT_TRUE(wait_until(
      [&] { return restarted() || !cluster.running(MiniCluster::consumer_name(3)); }, 30s))
      << "the woken consumer neither stopped nor started again";
  if (restarted()) {
    wait_slots_settled(cluster, {1, 2, 3});
    EXPECT_TRUE(cluster.running(MiniCluster::consumer_name(3))) << "same pid, a new instance";
  }
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, kAgents, kLines, 120s), kAgents * kLines);
  expect_one_writer_at_a_time(cluster);

  const auto after = read_commit_history(cluster.output_root());
  for (const auto& [stream, by_writer] : after.streams) {
    for (const auto& [tag, seqs] : by_writer) {
      if (!paused_tags.count(tag)) continue;
      auto was = before.streams.find(stream);
      const size_t had =
          was == before.streams.end() || !was->second.count(tag) ? 0 : was->second.at(tag).size();
      EXPECT_EQ(seqs.size(), had) << stream << ": the fenced instance " << tag
                                  << " committed after it woke";
    }
  }
  const std::string log = read_file(cluster.log(MiniCluster::consumer_name(3)));
  // Whichever it notices first: its session expired, or a write failed on the fence.
  EXPECT_TRUE(log.find("session expired") != std::string::npos ||
              log.find("bucket store failed (No such file or directory)") != std::string::npos)
      << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
}

// A ZooKeeper outage long enough to expire every session (seen in the e2e scenario
// `zookeeper` under load) must not stop the tier for good: a lone consumer whose session
// expired starts again as a new instance by itself, with nothing to restart it.
TEST(ZooKeeperConsumerTierTest, AConsumerWhoseSessionExpiredStartsAgainInPlaceAndDeliveryGoesOn) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kAgents = 2, kLines = 3000;
  MiniCluster cluster(tier(zk.hosts(), 1, kAgents));
  cluster.start(MiniCluster::consumer_name(1));
  wait_slots_settled(cluster, {1});
  start_brokers_then_agents(cluster, kAgents);
  Writer writer(cluster, kAgents, kLines, 2);
  writer.start();
  std::this_thread::sleep_for(2s);
  const pid_t pid = cluster.pid(MiniCluster::consumer_name(1));
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  std::this_thread::sleep_for(6s);  // its session (2 s) expires at the server
  ASSERT_EQ(::kill(pid, SIGCONT), 0);
  EXPECT_TRUE(wait_until(
      [&] {
        return read_file(cluster.log(MiniCluster::consumer_name(1)))
                   .find("starting again as a new instance") != std::string::npos;
      },
      30s))
      << "the consumer did not start again";
  wait_slots_settled(cluster, {1});
  EXPECT_EQ(cluster.pid(MiniCluster::consumer_name(1)), pid) << "same process, a new instance";
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, kAgents, kLines, 120s), kAgents * kLines);
  expect_one_writer_at_a_time(cluster);
}

// Hour completeness across the tier. As in hour_completeness_test.cc, no clock is faked:
// the lines are stamped in the previous hour, which has ended, and a host holds that
// hour open by leaving its last line unterminated (its watermark stays inside the hour).

namespace fs = std::filesystem;
using json = nlohmann::json;

struct PreviousHour {
  std::time_t start = (std::time(nullptr) / 3600 - 1) * 3600;
  std::string iso() const {
    std::tm tm{};
    gmtime_r(&start, &tm);
    char s[32];
    std::strftime(s, sizeof s, "%Y-%m-%dT%H:00:00Z", &tm);
    return s;
  }
  std::string dir(const MiniCluster& c) const {
    std::tm tm{};
    gmtime_r(&start, &tm);
    char rel[32];
    std::strftime(rel, sizeof rel, "%Y-%m-%d/%H", &tm);
    return c.output_root() + "/events/" + rel;
  }
  std::string success(const MiniCluster& c) const { return dir(c) + "/_SUCCESS"; }
  int64_t end_ms() const { return (int64_t{start} + 3600) * 1000; }
};

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

std::string lines_at(std::time_t t, const std::string& host, const std::string& tag, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    std::tm tm{};
    const std::time_t at = t + i % 60;
    gmtime_r(&at, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
    out += "<134>" + std::string(stamp) + " " + host + " app: id=" + tag + std::to_string(i) + "\n";
  }
  return out;
}

// What the consumers published under _ferry/progress (consumer/store/tier_hours.h):
// per host of "events", the latest watermark any of them has; and the on-time events
// they committed in `hour`, in all.
struct Published {
  std::map<std::string, int64_t> watermark;
  uint64_t events = 0;
};
Published read_progress(const MiniCluster& cluster, const PreviousHour& hour) {
  Published p;
  const fs::path dir = cluster.output_root() + "/_ferry/progress";
  if (!fs::is_directory(dir)) return p;
  for (const auto& f : fs::directory_iterator(dir)) {
    json j = json::parse(read_file(f.path()), nullptr, false);
    if (j.is_discarded()) continue;
    for (const auto& s : j["streams"]) {
      if (s["category"] != "events") continue;
      auto& wm = p.watermark[s["host"].get<std::string>()];
      wm = std::max(wm, s["wm"].get<int64_t>());
    }
    for (const auto& h : j["hours"]) {
      if (h["category"] != "events" ||
          h["hour_start_ms"].get<int64_t>() != int64_t{hour.start} * 1000)
        continue;
      for (const auto& [host, n] : h["hosts"].items()) p.events += n[0].get<uint64_t>();
    }
  }
  return p;
}

// Which consumers said they wrote the hour's _SUCCESS (their logs).
std::vector<std::string> marker_writers(const MiniCluster& cluster, int consumers,
                                        const PreviousHour& hour) {
  std::vector<std::string> out;
  for (int c = 1; c <= consumers; ++c) {
    const std::string log = read_file(cluster.log(MiniCluster::consumer_name(c)));
    const std::string said = "hour complete: events " + hour.iso() + ": _SUCCESS written by ";
    for (size_t at = log.find(said); at != std::string::npos; at = log.find(said, at + 1)) {
      out.push_back(log.substr(at + said.size(), log.find_first_of("\r\n", at) - at - said.size()));
    }
  }
  return out;
}

constexpr int kHourLines = 20;

// Every host writes kHourLines into the previous hour; h1 ends with an unterminated line
// and holds the hour open. Returns once every line is committed, the consumers have
// published them, and every other host's watermark has passed the hour.
void write_hour_with_h1_behind(MiniCluster& cluster, int agents, const PreviousHour& hour) {
  for (int a = 1; a <= agents; ++a) {
    const std::string h = "h" + std::to_string(a);
    std::string text = lines_at(hour.start + 1800, h, "in-hour-", kHourLines);
    if (a == 1) {
      const std::string last = lines_at(hour.start + 1900, h, "unfinished-", 1);
      text += last.substr(0, last.size() - 1);  // its newline comes when h1 catches up
    }
    append(cluster.input_file(a), text);
  }
  Published p;
  ASSERT_TRUE(wait_until(
      [&] {
        p = read_progress(cluster, hour);
        if (p.events != static_cast<uint64_t>(agents * kHourLines)) return false;
        for (int a = 2; a <= agents; ++a) {
          if (p.watermark["h" + std::to_string(a)] < hour.end_ms()) return false;
        }
        return true;
      },
      60s))
      << "published: " << p.events << " events";
  EXPECT_LT(p.watermark["h1"], hour.end_ms()) << "h1's watermark stays inside the hour";
}

void expect_success_once(const MiniCluster& cluster, int consumers, int agents,
                         const PreviousHour& hour, const std::string& writer) {
  json manifest = json::parse(read_file(hour.success(cluster)), nullptr, false);
  ASSERT_FALSE(manifest.is_discarded());
  for (int a = 1; a <= agents; ++a) {
    EXPECT_EQ(manifest["hosts"]["h" + std::to_string(a)]["events"], kHourLines + (a == 1 ? 1 : 0))
        << "h" << a;
  }
  EXPECT_EQ(manifest["events"], agents * kHourLines + 1);
  std::this_thread::sleep_for(3s);  // a few more rounds of every consumer's evaluation
  EXPECT_EQ(marker_writers(cluster, consumers, hour), std::vector<std::string>{writer});
}

// The consumer that writes the hour's _SUCCESS: the owner of its slot
// (consumer/store/tier_hours.h marker_slot).
std::string marker_owner(const PreviousHour& hour, const std::vector<std::string>& ids) {
  return zk::SlotMap(ids).owner(zk::slot_of("_SUCCESS " + hour.iso(), "events"));
}

TEST(ZooKeeperConsumerTierTest, AnHourCompletesOnceEveryStreamPassedItWhicheverConsumerWroteIt) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kConsumers = 3, kAgents = 8;
  MiniCluster cluster(tier(zk.hosts(), kConsumers, kAgents));
  for (int c = 1; c <= kConsumers; ++c) cluster.start(MiniCluster::consumer_name(c));
  wait_slots_settled(cluster, {1, 2, 3});
  start_brokers_then_agents(cluster, kAgents);
  const std::vector<std::string> ids{"consumer-1", "consumer-2", "consumer-3"};
  std::set<std::string> writers;
  for (int a = 1; a <= kAgents; ++a) writers.insert(owner_of(a, ids));
  ASSERT_EQ(writers.size(), 3u) << "the hosts' streams land on every consumer";

  const PreviousHour hour;
  ASSERT_NO_FATAL_FAILURE(write_hour_with_h1_behind(cluster, kAgents, hour));
  // Every other stream passed the hour, on every consumer: h1 alone holds it open.
  std::this_thread::sleep_for(3s);
  EXPECT_FALSE(fs::exists(hour.success(cluster))) << "complete while h1 had not passed the hour";

  append(cluster.input_file(1), "\n");  // h1 catches up
  ASSERT_TRUE(wait_until([&] { return fs::exists(hour.success(cluster)); }, 30s))
      << "no " << hour.success(cluster);
  expect_success_once(cluster, kConsumers, kAgents, hour, marker_owner(hour, ids));

  // Every consumer now counts the hour complete: a line for it is late, whoever writes it.
  for (int a : {6, 7, 2})
    append(cluster.input_file(a), lines_at(hour.start + 1800, "h" + std::to_string(a), "late-", 1));
  ASSERT_TRUE(wait_until(
      [&] {
        size_t late = 0;
        if (fs::is_directory(hour.dir(cluster) + "/late")) {
          for (const auto& f : fs::directory_iterator(hour.dir(cluster) + "/late"))
            late += f.is_regular_file();
        }
        return late >= 3;
      },
      30s))
      << "the late lines of h6 (consumer-1), h7 (consumer-2) and h2 (consumer-3) went to late/";
  auto lines = cluster.delivered_lines();
  EXPECT_EQ(
      std::count_if(lines.begin(), lines.end(),
                    [](const std::string& l) { return l.find("id=late-") != std::string::npos; }),
      3);
}

TEST(ZooKeeperConsumerTierTest, AnHourCompletesOnceAKilledConsumersSlotsMoved) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kConsumers = 3, kAgents = 8;
  MiniCluster cluster(tier(zk.hosts(), kConsumers, kAgents));
  for (int c = 1; c <= kConsumers; ++c) cluster.start(MiniCluster::consumer_name(c));
  wait_slots_settled(cluster, {1, 2, 3});
  start_brokers_then_agents(cluster, kAgents);
  const std::vector<std::string> ids{"consumer-1", "consumer-2", "consumer-3"};
  ASSERT_EQ(owner_of(1, ids), "consumer-3") << "the victim writes h1, which holds the hour open";

  const PreviousHour hour;
  ASSERT_NO_FATAL_FAILURE(write_hour_with_h1_behind(cluster, kAgents, hour));
  cluster.kill9(MiniCluster::consumer_name(3));
  wait_slots_settled(cluster, {1, 2});
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(fs::exists(hour.success(cluster))) << "complete while h1 had not passed the hour";

  // h1's new writer counts the seqs the victim committed (its commit manifests): the
  // line that completes h1's hour makes its watermark pass there.
  append(cluster.input_file(1), "\n");
  ASSERT_TRUE(wait_until([&] { return fs::exists(hour.success(cluster)); }, 30s))
      << "no " << hour.success(cluster);
  expect_success_once(cluster, kConsumers, kAgents, hour,
                      marker_owner(hour, {"consumer-1", "consumer-2"}));
}

}  // namespace
}  // namespace ferry::testing
