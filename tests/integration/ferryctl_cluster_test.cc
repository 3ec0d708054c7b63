// ferryctl cluster, which every e2e scenario drives: `kill` returns only once the process
// has exited (a restart right after must not find the old agent holding its state dir's
// lock: E2eScenario.random failed so), and a failed `up` stops what it had started.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"
#include "tools/ferryctl/cluster.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;

// The processes `cluster` spawns here are this test's children: waitpid says exactly when
// one has exited, every thread of it (and so released its files and flocks).
bool reaped(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == pid; }

bool reaped_within(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!reaped(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

ClusterOptions one_host(const std::string& dir, const std::string& bin) {
  ClusterOptions o;
  o.dir = dir;
  o.dcs = 1;
  o.brokers_per_dc = 1;
  o.hosts_per_dc = 1;
  o.bin_dir = bin;
  return o;
}

TEST(FerryctlClusterTest, KillReturnsOnceTheProcessHasExitedAndARestartFindsItsStateFree) {
  testing::TempDir dir;
  // Down on every way out, a failed assertion included.
  std::unique_ptr<void, std::function<void(void*)>> down(
      &dir, [&](void*) { cluster_down(dir.file("c")); });
  ASSERT_EQ(cluster_up(one_host(dir.file("c"), FERRY_BIN_DIR)), "");
  for (int round = 0; round < 5; ++round) {
    const pid_t pid = load_cluster(dir.file("c"))["processes"].back()["pid"].get<pid_t>();
    ASSERT_EQ(cluster_kill(dir.file("c"), "agent-dc1-h1"), "");
    EXPECT_TRUE(reaped(pid)) << "round " << round << ": pid " << pid
                             << " still running after cluster kill";
    ASSERT_EQ(cluster_start(dir.file("c"), "agent-dc1-h1"), "");
    ::usleep(500'000);  // an agent that finds its state dir locked exits within milliseconds
    const pid_t restarted = load_cluster(dir.file("c"))["processes"].back()["pid"].get<pid_t>();
    EXPECT_FALSE(reaped(restarted))
        << "the restarted agent exited; see " << dir.file("c/logs/agent-dc1-h1.log");
  }
}

TEST(FerryctlClusterTest, AFailedUpStopsEveryProcessItStarted) {
  testing::TempDir dir;
  // Real consumer and broker; an "agent" that exits at once.
  fs::create_directories(dir.file("bin"));
  for (const char* b : {"ferry-broker", "ferry-consumer", "ferryctl"}) {
    fs::create_symlink(fs::path(FERRY_BIN_DIR) / b, dir.file("bin") + "/" + b);
  }
  testing::write_file(dir.file("bin/ferry-agent"), "#!/bin/sh\nexit 3\n");
  ::chmod(dir.file("bin/ferry-agent").c_str(), 0755);

  const std::string error = cluster_up(one_host(dir.file("c"), dir.file("bin")));
  EXPECT_NE(error.find("agent-dc1-h1 exited during start"), std::string::npos) << error;
  EXPECT_NE(error.find("stopped again"), std::string::npos) << error;
  for (const auto& p : load_cluster(dir.file("c"))["processes"]) {
    EXPECT_TRUE(reaped_within(p["pid"].get<pid_t>(), std::chrono::seconds(10)))
        << p["name"] << " still runs after a failed up";
  }
}

}  // namespace
}  // namespace ferry::ferryctl

namespace ferry::ferryctl {
namespace {

// What README's "Subscribe to a category" runs: kcat pointed at a consumer's kafka_port
// in cluster.json with the subscriber files cluster up made reads the generated lines
// (each once, in the generator's order: offsets follow one host's seqs).
TEST(FerryctlClusterTest, UpNamesEachConsumersKafkaPortAndKcatReadsWithTheSubscriberFiles) {
  if (!fs::exists("/usr/bin/kcat")) GTEST_SKIP() << "kcat is not installed (Debian package kcat)";
  testing::TempDir dir;
  std::unique_ptr<void, std::function<void(void*)>> down(
      &dir, [&](void*) { cluster_down(dir.file("c")); });
  ClusterOptions o = one_host(dir.file("c"), FERRY_BIN_DIR);
  o.events = 1000;  // the generator runs for a while: one that ends at once fails `up`
  o.rate = 200;
  ASSERT_EQ(cluster_up(o), "");
  const auto j = load_cluster(dir.file("c"));
  int kafka_port = 0;
  for (const auto& p : j["processes"]) {
    if (p["role"] == "consumer") kafka_port = p.value("kafka_port", 0);
  }
  ASSERT_GT(kafka_port, 0) << "no kafka_port in cluster.json";
  const auto& s = j["subscriber"];
  for (const char* f : {"cert", "key", "ca"}) {
    EXPECT_TRUE(fs::exists(s[f].get<std::string>())) << f;
  }
  EXPECT_EQ(s["cert"], dir.file("c/certs/subscriber.crt"));
  EXPECT_EQ(s["key"], dir.file("c/certs/subscriber.key"));
  EXPECT_EQ(s["ca"], dir.file("c/certs/ca.crt"));
  const std::string out = dir.file("kcat.out");
  const std::string command =
      "/usr/bin/kcat -C -q -e -o beginning -b 127.0.0.1:" + std::to_string(kafka_port) +
      " -t song_completion -X security.protocol=ssl -X ssl.ca.location=" +
      s["ca"].get<std::string>() + " -X ssl.certificate.location=" + s["cert"].get<std::string>() +
      " -X ssl.key.location=" + s["key"].get<std::string>() + " > " + out + " 2>&1";
  const std::string id = "id=dc1-h1:song_completion:";
  std::vector<uint64_t> seqs;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (seqs.size() < 50 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_NE(std::system(("timeout 20 " + command).c_str()), -1);
    std::ifstream in(out);
    seqs.clear();
    for (std::string line; std::getline(in, line);) {
      if (auto at = line.find(id); at != std::string::npos) {
        seqs.push_back(std::stoull(line.substr(at + id.size())));
      }
    }
    if (seqs.size() < 50) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_GE(seqs.size(), 50u) << "kcat read " << seqs.size() << " generated lines";
  for (size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i) << "at offset " << i;
}

}  // namespace
}  // namespace ferry::ferryctl
