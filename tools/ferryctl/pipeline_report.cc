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
    j["latency_ms"] = {{"count", r.latency.count},
                       {"p50", r.latency.p50_ms},
                       {"p90", r.latency.p90_ms},
                       {"p99", r.latency.p99_ms},
                       {"max", r.latency.max_ms}};
  }
  return j;
}

double print_medians(const std::vector<PipelineRun>& runs) {
  std::vector<double> seconds, sent, agents, agent, broker, consumer;
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
  }
  if (seconds.empty()) return 0;
  const double s = median(seconds);
  std::printf(
      "median of %zu: %.2f s (all sent at %.2f s)  %.0f lines/s  %.1f MB/s  cpu s per 1M lines: "
      "agents %.2f"
      " (per agent %.2f) broker %.2f consumer %.2f\n",
      seconds.size(), s, median(sent), lines / s, bytes / s / 1e6, median(agents) / lines * 1e6,
      median(agent) / lines * 1e6, median(broker) / lines * 1e6, median(consumer) / lines * 1e6);
  std::fflush(stdout);
  return lines / s;
}

}  // namespace ferry::ferryctl
