#include "tools/ferryctl/pipeline_report.h"

#include <algorithm>
#include <cstdio>

namespace ferry::ferryctl {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double per_million(double cpu, uint64_t lines) {
  return lines ? cpu / static_cast<double>(lines) * 1e6 : 0;
}
double mib(uint64_t kib) { return static_cast<double>(kib) / 1024.0; }

double per_second(uint64_t lines, double seconds) {
  return seconds > 0 ? static_cast<double>(lines) / seconds : 0;
}

void print_subscribers(const PipelineRun& r) {
  const SubscriberFigures& s = r.subscribers;
  if (s.count == 0) return;
  if (r.mode == "throughput") {
    std::printf(
        "  %d subscriber(s): every line read at %.2f s (%.0f lines/s each); from retention, %d"
        " at once: %.2f s (%.0f lines/s each)\n",
        s.count, s.seconds, per_second(r.lines, s.seconds), s.count, s.retention_read_seconds,
        per_second(r.lines, s.retention_read_seconds));
  } else {
    std::printf(
        "  %d subscriber(s): write -> received (%llu reads): p50 %.0f ms  p90 %.0f ms  p99 %.0f"
        " ms  max %.0f ms\n",
        s.count, static_cast<unsigned long long>(s.latency.count), s.latency.p50_ms,
        s.latency.p90_ms, s.latency.p99_ms, s.latency.max_ms);
  }
  std::printf("  subscriber_lost=%llu subscriber_duplicated=%llu\n",
              static_cast<unsigned long long>(s.lost),
              static_cast<unsigned long long>(s.duplicated));
}

nlohmann::json latency_json(const LatencySummary& l) {
  return {{"count", l.count},
          {"p50", l.p50_ms},
          {"p90", l.p90_ms},
          {"p99", l.p99_ms},
          {"max", l.max_ms}};
}

// The subscriber keys of a run's JSON line; none when it had no subscriber.
void add_subscriber_json(const PipelineRun& r, nlohmann::json& j) {
  const SubscriberFigures& s = r.subscribers;
  if (s.count == 0) return;
  j["subscribers"] = s.count;
  j["subscriber_lost"] = s.lost;
  j["subscriber_duplicated"] = s.duplicated;
  if (r.mode == "throughput") {
    j["subscriber_seconds"] = s.seconds;
    j["subscriber_lines_per_s"] = per_second(r.lines, s.seconds);
    j["retention_read_seconds"] = s.retention_read_seconds;
    j["retention_read_lines_per_s"] = per_second(r.lines, s.retention_read_seconds);
  } else {
    j["subscriber_latency_ms"] = latency_json(s.latency);
  }
}

}  // namespace

void print_run(const std::string& label, const PipelineRun& r) {
  if (!r.error.empty()) {
    std::printf("%s: FAILED: %s\n", label.c_str(), r.error.c_str());
    std::fflush(stdout);
    return;
  }
  const double s = std::max(r.seconds, 1e-9);
  std::printf("%s: %d host(s), roll_age %s: %.2f s", label.c_str(), r.hosts, r.roll_age.c_str(),
              r.seconds);
  if (r.mode == "throughput") {
    std::printf(" (all sent at %.2f s)  %llu lines  %.0f lines/s  %.1f MB/s\n", r.sent_seconds,
                static_cast<unsigned long long>(r.lines), static_cast<double>(r.lines) / s,
                static_cast<double>(r.bytes) / s / 1e6);
  } else {  // its lines/s is the rate written: the run's length includes the wait for the last
            // commit
    std::printf(" writing and the last commit  %llu lines  %.1f MB\n",
                static_cast<unsigned long long>(r.lines), static_cast<double>(r.bytes) / 1e6);
  }
  if (r.mode == "latency") {
    std::printf(
        "  rate %.0f lines/s asked, %.0f written; write -> committed and visible (%llu lines): p50 "
        "%.0f ms"
        "  p90 %.0f ms  p99 %.0f ms  max %.0f ms; %llu part files\n",
        r.rate, r.written_rate, static_cast<unsigned long long>(r.latency.count), r.latency.p50_ms,
        r.latency.p90_ms, r.latency.p99_ms, r.latency.max_ms,
        static_cast<unsigned long long>(r.parts));
  }
  std::printf(
      "  cpu s per 1M lines: agents %.2f (per agent median %.2f) broker %.2f consumer %.2f;"
      "  peak RSS MiB: agent %.1f broker %.1f consumer %.1f\n",
      per_million(r.agents_cpu(), r.lines), per_million(r.agent_cpu_median(), r.lines),
      per_million(r.broker.cpu_seconds, r.lines), per_million(r.consumer.cpu_seconds, r.lines),
      mib(r.agent_rss_max_kib()), mib(r.broker.peak_rss_kib), mib(r.consumer.peak_rss_kib));
  std::printf("  lost=%llu duplicated=%llu\n", static_cast<unsigned long long>(r.lost),
              static_cast<unsigned long long>(r.duplicated));
  print_subscribers(r);
  std::fflush(stdout);
}

nlohmann::json run_json(const PipelineRun& r, bool sealed) {
  const double s = std::max(r.seconds, 1e-9);
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& a : r.agents) {
    agents.push_back({{"cpu_s", a.cpu_seconds},
                      {"cpu_s_per_million", per_million(a.cpu_seconds, r.lines)},
                      {"peak_rss_kib", a.peak_rss_kib}});
  }
  nlohmann::json j = {
      {"peer", "ferry"},
      {"mode", r.mode},
      {"hosts", r.hosts},
      {"roll_age", r.roll_age},
      {"sealed", sealed},
      {"lines", r.lines},
      {"bytes", r.bytes},
      {"seconds", r.seconds},
      {"sent_seconds", r.sent_seconds},
      {"lines_per_s", static_cast<double>(r.lines) / s},  // a latency run: see written_rate
      {"mb_per_s", static_cast<double>(r.bytes) / s / 1e6},
      // CPU seconds over the run; cpu_agent sums the agents (tools/bench-vs-peers.sh reads these
      // three).
      {"cpu_agent", r.agents_cpu()},
      {"cpu_broker", r.broker.cpu_seconds},
      {"cpu_consumer", r.consumer.cpu_seconds},
      {"cpu_s_per_million",
       {{"agents", per_million(r.agents_cpu(), r.lines)},
        {"agent_median", per_million(r.agent_cpu_median(), r.lines)},
        {"broker", per_million(r.broker.cpu_seconds, r.lines)},
        {"consumer", per_million(r.consumer.cpu_seconds, r.lines)}}},
      {"peak_rss_kib",
       {{"agent_max", r.agent_rss_max_kib()},
        {"broker", r.broker.peak_rss_kib},
        {"consumer", r.consumer.peak_rss_kib}}},
      {"agents", agents},
      {"lost", r.lost},
      {"duplicated", r.duplicated},
      {"error", r.error}};
  if (r.mode == "latency") {
    j["rate"] = r.rate;
    j["written_rate"] = r.written_rate;
    j["parts"] = r.parts;
    j["latency_ms"] = latency_json(r.latency);
  }
  add_subscriber_json(r, j);
  return j;
}

double print_medians(const std::vector<PipelineRun>& runs) {
  std::vector<double> seconds, sent, agents, agent, broker, consumer, subscriber, retention;
  double lines = 0, bytes = 0;
  for (const auto& r : runs) {
    if (!r.error.empty()) continue;
    lines = static_cast<double>(r.lines);
    bytes = static_cast<double>(r.bytes);
    seconds.push_back(r.seconds);
    sent.push_back(r.sent_seconds);
    agents.push_back(r.agents_cpu());
    agent.push_back(r.agent_cpu_median());
    broker.push_back(r.broker.cpu_seconds);
    consumer.push_back(r.consumer.cpu_seconds);
    if (r.subscribers.count > 0) {
      subscriber.push_back(r.subscribers.seconds);
      retention.push_back(r.subscribers.retention_read_seconds);
    }
  }
  if (seconds.empty()) return 0;
  const double s = median(seconds);
  std::printf(
      "median of %zu: %.2f s (all sent at %.2f s)  %.0f lines/s  %.1f MB/s  cpu s per 1M lines: "
      "agents %.2f"
      " (per agent %.2f) broker %.2f consumer %.2f\n",
      seconds.size(), s, median(sent), lines / s, bytes / s / 1e6, median(agents) / lines * 1e6,
      median(agent) / lines * 1e6, median(broker) / lines * 1e6, median(consumer) / lines * 1e6);
  if (!subscriber.empty()) {
    std::printf(
        "  subscribers: every line read at %.2f s (%.0f lines/s each); from retention %.2f s"
        " (%.0f lines/s each)\n",
        median(subscriber), lines / median(subscriber), median(retention),
        lines / median(retention));
  }
  std::fflush(stdout);
  return lines / s;
}

}  // namespace ferry::ferryctl
