// Hour completeness end to end (DESIGN §6), with real agents, broker and consumer:
// idle hosts complete an hour and _SUCCESS names what it holds; events for a complete
// hour land in late/; a host that has not passed the hour blocks it until it has been
// silent for the timeout, or until an operator runs `ferryctl hosts forget`.
//
// No clock is faked: the events are stamped in the previous hour, which has ended. A
// host blocks that hour by leaving an unterminated line in its file: until the newline
// comes its watermark stays at its last sent event, inside the hour.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"
#include "tests/support/process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

std::string line_at(std::time_t t, const std::string& host, const std::string& body) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
  return "<134>" + std::string(stamp) + " " + host + " app: " + body + "\n";
}

std::string lines_at(std::time_t t, const std::string& host, const std::string& tag, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += line_at(t + i % 60, host, "id=" + tag + std::to_string(i));
  return out;
}

// The previous hour, which has ended: [start, start + 3600).
struct Hour {
  std::time_t start = (std::time(nullptr) / 3600 - 1) * 3600;
  std::string dir(const MiniCluster& c) const {
    std::tm tm{};
    gmtime_r(&start, &tm);
    char rel[32];
    std::strftime(rel, sizeof rel, "%Y-%m-%d/%H", &tm);
    return c.output_root() + "/events/" + rel;
  }
  std::time_t middle() const { return start + 1800; }
};

// The hour's entry in /api/hours, or null while the consumer does not list it.
json hour_entry(const MiniCluster& c, const Hour& h) {
  HttpReply reply;
  try {
    reply = http_get(c.consumer_http_port(), "/api/hours");
  } catch (const std::exception&) {
    return nullptr;
  }
  auto j = json::parse(reply.body, nullptr, false);
  if (j.is_discarded() || !j["categories"].contains("events")) return nullptr;
  for (const auto& e : j["categories"]["events"]["hours"]) {
    if (e["hour_start_ms"].get<int64_t>() == int64_t{h.start} * 1000) return e;
  }
  return nullptr;
}

bool hour_is_complete(const MiniCluster& c, const Hour& h) {
  json e = hour_entry(c, h);
  return !e.is_null() && e["complete"].get<bool>();
}

size_t count_containing(const std::vector<std::string>& lines, const std::string& needle) {
  size_t n = 0;
  for (const auto& l : lines) n += l.find(needle) != std::string::npos;
  return n;
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, false);
}

TEST(HourCompletenessTest, IdleHostsCompleteTheHourAndLaterEventsGoToLate) {
  MiniCluster cluster({.brokers = 1, .agents = 2});
  cluster.start_all();
  const Hour hour;
  append(cluster.input_file(1), lines_at(hour.middle(), "h1", "a", 100));
  append(cluster.input_file(2), lines_at(hour.middle(), "h2", "b", 150));

  // Both hosts go idle and their watermarks follow the clock past the hour's end.
  const std::string success = hour.dir(cluster) + "/_SUCCESS";
  ASSERT_TRUE(wait_until([&] { return fs::exists(success); }, 60s)) << "no " << success;
  json manifest = read_json(success);
  ASSERT_FALSE(manifest.is_discarded());
  EXPECT_EQ(manifest["hosts"]["h1"]["events"], 100);
  EXPECT_EQ(manifest["hosts"]["h2"]["events"], 150);
  EXPECT_EQ(manifest["events"], 250);
  // _SUCCESS is written before the consumer records the hour as complete (a synced
  // write later), so /api/hours may lag the file by that write.
  ASSERT_TRUE(wait_until([&] { return hour_is_complete(cluster, hour); }, 30s));
  EXPECT_EQ(hour_entry(cluster, hour)["events"], 250);
  // zstdcat of the hour's parts, in part order, gives back exactly each host's lines in
  // the order they were written.
  std::vector<std::pair<uint64_t, std::string>> parts;
  for (const auto& f : fs::directory_iterator(hour.dir(cluster))) {
    const std::string name = f.path().filename();
    if (!f.is_regular_file() || name.rfind("part-", 0) != 0) continue;
    const size_t dash = name.rfind('-'), dot = name.find('.', dash);
    parts.emplace_back(std::stoull(name.substr(dash + 1, dot - dash - 1)), f.path());
  }
  std::sort(parts.begin(), parts.end());
  std::string cmd = "zstdcat";
  for (const auto& [n, path] : parts) cmd += " '" + path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string h1_out, h2_out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    std::string line(buf);
    (line.find(" h1 app: ") != std::string::npos ? h1_out : h2_out) += line;
  }
  EXPECT_EQ(pclose(p), 0);
  EXPECT_EQ(h1_out, lines_at(hour.middle(), "h1", "a", 100));
  EXPECT_EQ(h2_out, lines_at(hour.middle(), "h2", "b", 150));
  // The current hour has not ended: it is not complete.
  Hour current;
  current.start += 3600;
  if (std::time(nullptr) / 3600 * 3600 == current.start) {  // unless it ended meanwhile
    EXPECT_FALSE(fs::exists(current.dir(cluster) + "/_SUCCESS"));
  }

  // Events of the complete hour arriving now are late: delivered, under late/, counted.
  append(cluster.input_file(1), lines_at(hour.middle(), "h1", "late", 10));
  ASSERT_TRUE(wait_until(
      [&] { return count_containing(cluster.delivered_lines(), "id=late") == 10; }, 60s));
  ASSERT_TRUE(wait_until(
      [&] {
        json e = hour_entry(cluster, hour);
        return !e.is_null() && e["late_events"] == 10;
      },
      20s));
  ASSERT_TRUE(fs::is_directory(hour.dir(cluster) + "/late"));
  size_t late_files = 0;
  for (const auto& f : fs::directory_iterator(hour.dir(cluster) + "/late"))
    late_files += f.is_regular_file();
  EXPECT_GE(late_files, 1u);
  // _SUCCESS is not rewritten: it describes what was complete when it was written.
  EXPECT_EQ(read_json(success)["events"], 250);
}

// h1 and h2 each write `n` lines into the hour; h2 ends with an unterminated line, so its
// watermark stays inside the hour. Returns once all 2n events are committed.
void write_hour_with_h2_behind(const MiniCluster& cluster, const Hour& hour, int n) {
  append(cluster.input_file(1), lines_at(hour.middle(), "h1", "a", n));
  append(cluster.input_file(2),
         lines_at(hour.middle(), "h2", "b", n) + "<134>Nov 23 07:00:00 h2 app: id=unfinished");
  ASSERT_TRUE(wait_until(
      [&] {
        json e = hour_entry(cluster, hour);
        return !e.is_null() && e["events"] == 2 * n;
      },
      60s));
}

// h2 holds the hour open; once it is killed it falls silent and, after the timeout, the
// hour completes without it (its batches still counted in the manifest).
TEST(HourCompletenessTest, AHostBehindBlocksTheHourUntilItIsSilentForTheTimeout) {
  MiniCluster cluster(
      {.brokers = 1, .agents = 2, .consumer_extra = "[hours]\nsilent_timeout = \"8s\""});
  cluster.start_all();
  const Hour hour;
  ASSERT_NO_FATAL_FAILURE(write_hour_with_h2_behind(cluster, hour, 50));
  // Committed, but h2's watermark has not passed the hour: once h1's idle watermark has
  // passed it (two hops and a snapshot refresh away), it waits on h2 only.
  json entry;
  EXPECT_TRUE(wait_until(
      [&] {
        entry = hour_entry(cluster, hour);
        return !entry.is_null() && entry["waiting_on"].size() == 1u;
      },
      30s))
      << entry.dump();
  EXPECT_FALSE(entry["complete"].get<bool>());
  ASSERT_EQ(entry["waiting_on"].size(), 1u) << entry.dump();
  EXPECT_EQ(entry["waiting_on"][0]["host"], "h2");
  EXPECT_FALSE(fs::exists(hour.dir(cluster) + "/_SUCCESS"));

  cluster.kill9("agent-2");
  const auto killed = std::chrono::steady_clock::now();
  const std::string success = hour.dir(cluster) + "/_SUCCESS";
  ASSERT_TRUE(wait_until([&] { return fs::exists(success); }, 40s));
  // Silence counts from h2's last watermark the consumer saw, up to a second or two
  // before the kill: the hour must not complete much sooner than the timeout.
  EXPECT_GE(std::chrono::steady_clock::now() - killed, 4s)
      << "completed before h2 could have been silent 8 s";
  json manifest = read_json(success);
  EXPECT_EQ(manifest["hosts"]["h1"]["events"], 50);
  EXPECT_EQ(manifest["hosts"]["h2"]["events"], 50);
}

// With a long silent timeout only the operator can let the hour go.
TEST(HourCompletenessTest, HostsForgetReleasesAnHourASilentHostBlocks) {
  MiniCluster cluster(
      {.brokers = 1, .agents = 2, .consumer_extra = "[hours]\nsilent_timeout = \"1h\""});
  cluster.start_all();
  const Hour hour;
  ASSERT_NO_FATAL_FAILURE(write_hour_with_h2_behind(cluster, hour, 40));
  cluster.kill9("agent-2");
  std::this_thread::sleep_for(3s);
  EXPECT_FALSE(hour_entry(cluster, hour)["complete"].get<bool>());
  EXPECT_FALSE(fs::exists(hour.dir(cluster) + "/_SUCCESS"));

  const std::string cmd = bin_path("ferryctl") + " hosts forget h2 --url http://127.0.0.1:" +
                          std::to_string(cluster.consumer_http_port()) + " --token-file " +
                          cluster.admin_token_file() + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string success = hour.dir(cluster) + "/_SUCCESS";
  ASSERT_TRUE(wait_until([&] { return fs::exists(success); }, 30s));
  EXPECT_TRUE(wait_until([&] { return hour_is_complete(cluster, hour); }, 30s));
  EXPECT_EQ(read_json(success)["hosts"]["h2"]["events"], 40);
}

}  // namespace
}  // namespace ferry::testing
