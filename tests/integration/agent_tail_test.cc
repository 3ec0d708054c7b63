// The agent end to end against a real broker and consumer: long lines, unterminated
// lines, files deleted while open, and a full window that stops reading.

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "common/metrics/prometheus_text.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

size_t count_containing(const std::vector<std::string>& lines, const std::string& needle) {
  size_t n = 0;
  for (const auto& l : lines) n += l.find(needle) != std::string::npos;
  return n;
}

TEST(AgentTailTest, LongLineIsSplitWithMarkersAndReassemblesExactly) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  std::string body = "id=long ";
  for (int i = 0; body.size() < 200'000; ++i) body += std::to_string(i) + ",";
  std::string line = syslog_line("h1", body);
  append(cluster.input_file(1), line + syslog_line("h1", "id=after"));
  ASSERT_TRUE(wait_until(
      [&] { return count_containing(cluster.delivered_lines(), "id=after") == 1; }, 30s));
  // Reassemble: pieces after the first start with the continuation marker.
  const std::string marker = "[ferry:cont] ";
  std::string joined;
  int pieces = 0;
  for (const auto& l : cluster.delivered_lines()) {
    if (l.find("id=long") != std::string::npos) {
      joined = l;
      pieces = 1;
    } else if (pieces > 0 && l.rfind(marker, 0) == 0) {
      joined += l.substr(marker.size());
      ++pieces;
    } else if (pieces > 0) {
      break;
    }
  }
  EXPECT_GE(pieces, 4);  // 200 kB over 64 KiB pieces
  EXPECT_EQ(joined + "\n", line);
}

TEST(AgentTailTest, UnterminatedLineWaitsForItsNewline) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  append(cluster.input_file(1),
         syslog_line("h1", "id=first") + "<134>Nov 23 07:00:00 h1 app: id=partial");
  ASSERT_TRUE(wait_until(
      [&] { return count_containing(cluster.delivered_lines(), "id=first") == 1; }, 30s));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(count_containing(cluster.delivered_lines(), "id=partial"), 0u);
  append(cluster.input_file(1), " rest\n");
  ASSERT_TRUE(wait_until(
      [&] { return count_containing(cluster.delivered_lines(), "id=partial rest") == 1; }, 30s));
}

TEST(AgentTailTest, FileDeletedWhileOpenIsReadToItsEnd) {
  MiniCluster cluster({.brokers = 1, .agents = 1, .agent_extra = "rotate_wait = \"300ms\""});
  cluster.start_all();
  std::string path = cluster.input_file(1);
  append(path, syslog_line("h1", "id=d0"));
  ASSERT_TRUE(
      wait_until([&] { return count_containing(cluster.delivered_lines(), "id=d0") == 1; }, 30s));
  // Keep a writer's descriptor open (as an app would), delete the name, keep writing,
  // and end with an unterminated line that becomes an event once the file is finished.
  std::ofstream out(path, std::ios::app | std::ios::binary);
  std::filesystem::remove(path);
  for (int i = 1; i <= 500; ++i) out << syslog_line("h1", "id=d" + std::to_string(i));
  out << "<134>Nov 23 07:00:00 h1 app: id=tail-without-newline";
  out.flush();
  ASSERT_TRUE(wait_until(
      [&] {
        auto lines = cluster.delivered_lines();
        return count_containing(lines, "id=d500") == 1 &&
               count_containing(lines, "id=tail-without-newline") == 1;
      },
      30s));
  auto lines = cluster.delivered_lines();
  for (int i = 0; i <= 500; ++i) {
    std::string id = "id=d" + std::to_string(i);
    size_t n = 0;
    for (const auto& l : lines)
      n += l.size() >= id.size() && l.compare(l.size() - id.size(), id.size(), id) == 0;
    EXPECT_EQ(n, 1u) << id;
  }
}

// With the brokers down the window fills and the agent stops reading: its backlog shows
// in STATUS; when a broker returns everything is delivered once.
TEST(AgentTailTest, FullWindowStopsReadingAndResumes) {
  MiniCluster cluster({.brokers = 1,
                       .agents = 1,
                       .agent_extra = "[window]\nbatches = 4\nbytes = \"1MiB\"",
                       .agent_batch = "linger = \"50ms\"\nmax_bytes = \"64KiB\""});
  cluster.start_all();
  std::string path = cluster.input_file(1);
  append(path, syslog_line("h1", "id=w-start"));
  ASSERT_TRUE(wait_until(
      [&] { return count_containing(cluster.delivered_lines(), "id=w-start") == 1; }, 30s));
  cluster.kill9("broker-1");
  std::string bulk;
  for (int i = 0; i < 40'000; ++i)
    bulk += syslog_line("h1", "id=w" + std::to_string(i) + " " + std::string(100, 'y'));
  append(path, bulk);  // ~6 MB: far more than 4 batches of linger-sized reads
  std::this_thread::sleep_for(2s);
  cluster.start("broker-1");
  // The broker's host table shows the agent's backlog while it catches up, then zero.
  bool saw_backlog = false;
  ASSERT_TRUE(wait_until(
      [&] {
        HttpReply reply;
        try {
          reply = http_get(cluster.broker_http_port(1), "/api/hosts");
        } catch (const std::exception&) {
          return false;  // the broker is still starting
        }
        if (reply.body.find("\"backlog_bytes\":0,") == std::string::npos &&
            reply.body.find("h1") != std::string::npos) {
          saw_backlog = true;
        }
        return count_containing(cluster.delivered_lines(), "id=w39999 ") == 1;
      },
      60s));
  EXPECT_TRUE(saw_backlog) << "the agent never reported unread bytes while its window was full";
  auto lines = cluster.delivered_lines();
  EXPECT_EQ(count_containing(lines, "id=w"), 40'001u);
}

// The value of `series` (e.g. name{labels}) in Prometheus text, or -1 if absent.
// -1 when the series is absent.
double metric_value(const std::string& text, const std::string& series) {
  return metrics::sample_value(text, series).value_or(-1);
}

// Bytes truncated away before the agent could read them are not lost silently: the
// agent's /metrics counts them per category (and its log names the file), and what it
// did read plus what it counts as unreadable adds up to everything that was written.
TEST(AgentTailTest, BytesTruncatedBeforeTheyWereReadAreCountedInMetrics) {
  const uint16_t http_port = free_port();
  MiniCluster cluster({.brokers = 1,
                       .agents = 1,
                       .agent_extra = "http_listen = \"127.0.0.1:" + std::to_string(http_port) +
                                      "\"\n[window]\nbatches = 1\nbytes = \"1MiB\"",
                       .agent_batch = "linger = \"50ms\"\nmax_bytes = \"64KiB\""});
  cluster.start_all();
  const std::string path = cluster.input_file(1);
  append(path, syslog_line("h1", "id=u-start"));
  ASSERT_TRUE(wait_until(
      [&] { return count_containing(cluster.delivered_lines(), "id=u-start") == 1; }, 30s));
  const std::string series = "ferry_agent_unreadable_bytes{category=\"events\"}";
  EXPECT_EQ(metric_value(http_get(http_port, "/metrics").body, series), 0);

  // No broker: one batch in flight, the rest stays unread in the file.
  cluster.kill9("broker-1");
  std::string bulk;
  for (int i = 0; i < 20'000; ++i)
    bulk += syslog_line("h1", "id=u" + std::to_string(i) + " " + std::string(100, 'z'));
  append(path, bulk);
  ASSERT_TRUE(wait_until(
      [&] {
        return metric_value(http_get(http_port, "/metrics").body,
                            "ferry_agent_backlog_bytes{category=\"events\"}") > 0;
      },
      20s))
      << "the agent never saw the unread bytes";
  std::filesystem::resize_file(path, 0);
  append(path, syslog_line("h1", "id=u-after"));
  double unreadable = -1;
  ASSERT_TRUE(wait_until(
      [&] {
        unreadable = metric_value(http_get(http_port, "/metrics").body, series);
        return unreadable > 0;
      },
      20s))
      << "truncated bytes were not counted";
  cluster.start("broker-1");
  ASSERT_TRUE(wait_until(
      [&] { return count_containing(cluster.delivered_lines(), "id=u-after") == 1; }, 60s));

  size_t delivered_bytes = 0;
  for (const auto& l : cluster.delivered_lines()) {
    // Every line but the two markers is bulk, including a line's head cut off by the
    // truncation, which may be too short to hold its id (seen: "<1").
    if (l.find("id=u-") == std::string::npos) delivered_bytes += l.size() + 1;
  }
  EXPECT_LT(delivered_bytes, bulk.size());
  // A line cut by the truncation is delivered as far as it was read, plus a newline.
  const size_t accounted = delivered_bytes + static_cast<size_t>(unreadable);
  EXPECT_TRUE(accounted == bulk.size() || accounted == bulk.size() + 1)
      << "delivered " << delivered_bytes << " + unreadable " << unreadable << " != written "
      << bulk.size();
  std::ifstream log(cluster.log("agent-1"));
  std::string log_text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(log_text.find(path + " was truncated at read offset"), std::string::npos);
  // Every committed line is an event the agent counts DELIVERED (once the acks are back).
  const double committed = static_cast<double>(cluster.delivered_lines().size());
  double delivered_events = -1;
  EXPECT_TRUE(wait_until(
      [&] {
        delivered_events = metric_value(http_get(http_port, "/metrics").body,
                                        "ferry_agent_delivered_events_total");
        return delivered_events == committed;
      },
      30s))
      << "agent counts " << delivered_events << " events delivered, the consumer committed "
      << committed;
}

// The agent is killed with batches unacked, and their file is deleted while it is down:
// after the restart those bytes cannot be read again. They are counted as unreadable, and
// each lost batch's seq is filled with a "[ferry:lost]" marker line, so the stream has no
// gap: the consumer's contiguous committed seq reaches the agent's last seq.
TEST(AgentTailTest, UnackedBatchesOfAFileDeletedWhileTheAgentWasDownBecomeLossMarkers) {
  const uint16_t http_port = free_port();
  MiniCluster cluster(
      {.brokers = 1,
       .agents = 1,
       .agent_extra = "http_listen = \"127.0.0.1:" + std::to_string(http_port) + "\"",
       .agent_batch = "linger = \"50ms\"\nmax_bytes = \"8KiB\""});
  cluster.start_all();
  const std::string path = cluster.input_file(1);
  append(path, syslog_line("h1", "id=g-start"));
  ASSERT_TRUE(wait_until(
      [&] { return count_containing(cluster.delivered_lines(), "id=g-start") == 1; }, 30s));
  cluster.kill9("broker-1");
  for (int i = 0; i < 300; ++i)
    append(path, syslog_line("h1", "id=gone-" + std::to_string(i) + " " + std::string(100, 'q')));
  const std::string unacked = "ferry_agent_unacked_batches{category=\"events\"}";
  ASSERT_TRUE(wait_until(
      [&] { return metric_value(http_get(http_port, "/metrics").body, unacked) >= 3; }, 20s));
  cluster.kill9("agent-1");
  std::filesystem::remove(path);
  append(path, syslog_line("h1", "id=g-after"));
  cluster.start("broker-1");
  cluster.start("agent-1");

  ASSERT_TRUE(wait_until(
      [&] { return count_containing(cluster.delivered_lines(), "id=g-after") == 1; }, 30s));
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          return metric_value(http_get(http_port, "/metrics").body, unacked) == 0;
        } catch (const std::exception&) {
          return false;
        }
      },
      30s));
  auto lines = cluster.delivered_lines();
  EXPECT_EQ(count_containing(lines, "id=gone-"), 0u) << "no broker stored them";
  EXPECT_GE(count_containing(lines, "[ferry:lost] host=h1 category=events seq="), 3u);
  const auto metrics = http_get(http_port, "/metrics").body;
  EXPECT_GT(metric_value(metrics, "ferry_agent_unreadable_bytes{category=\"events\"}"),
            300 * 100.0);
  const double last_seq = metric_value(metrics, "ferry_agent_next_seq{category=\"events\"}") - 1;
  ASSERT_TRUE(wait_until(
      [&] {
        auto body = http_get(cluster.consumer_http_port(), "/api/hours").body;
        return body.find("\"contiguous_seq\":" + std::to_string(static_cast<long>(last_seq)) +
                         ",") != std::string::npos;
      },
      20s))
      << "the consumer's stream has a gap below seq " << last_seq;
}

}  // namespace
}  // namespace ferry::testing
