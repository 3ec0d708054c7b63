// ferryctl bench pipeline --dir DIR [--lines N] [--reps R] [--json FILE]

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tools/ferryctl/commands.h"
#include "tools/ferryctl/pipeline_bench.h"

namespace ferry::ferryctl {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void print_run(int rep, const PipelineRun& r) {
  if (!r.error.empty()) {
    std::printf("run %d: FAILED: %s\n", rep, r.error.c_str());
    return;
  }
  const double million = static_cast<double>(r.lines) / 1e6;
  std::printf("run %d: %.2f s (all sent at %.2f s)  %.0f lines/s  %.1f MB/s  cpu s agent %.2f broker %.2f consumer %.2f"
              " (per 1M lines: %.2f / %.2f / %.2f)  lost=%llu duplicated=%llu\n",
              rep, r.seconds, r.sent_seconds, static_cast<double>(r.lines) / r.seconds,
              static_cast<double>(r.bytes) / r.seconds / 1e6,
              r.cpu_agent, r.cpu_broker, r.cpu_consumer, r.cpu_agent / million, r.cpu_broker / million,
              r.cpu_consumer / million, static_cast<unsigned long long>(r.lost),
              static_cast<unsigned long long>(r.duplicated));
  std::fflush(stdout);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<PipelineBenchOptions>();
  auto json_out = std::make_shared<std::string>();
  auto* bench = app.add_subcommand("bench", "Benchmarks of the whole system");
  bench->require_subcommand(1);
  auto* pipeline = bench->add_subcommand(
      "pipeline", "Agent -> broker -> consumer on loopback, as ../shared/peers measures rsyslog and syslog-ng");
  pipeline->add_option("--dir", o->dir, "Work directory (corpus, one cluster per run)")->required();
  pipeline->add_option("--lines", o->lines, "Lines of the generated corpus")->capture_default_str();
  pipeline->add_option("--input", o->input, "Replay this file (e.g. the peers' corpus) instead of a generated one");
  pipeline->add_option("--reps", o->reps, "Runs")->capture_default_str()->check(CLI::PositiveNumber);
  pipeline->add_option("--timeout", o->timeout_s, "Seconds a run may take")->capture_default_str();
  pipeline->add_option("--roll-age", o->roll_age, "The consumer's roll_age (the last batch waits for it)")
      ->capture_default_str();
  pipeline->add_option("--bin-dir", o->bin_dir, "Directory of ferry-agent, ferry-broker, ferry-consumer");
  pipeline->add_flag("--keep", o->keep, "Keep each run's cluster directory");
  pipeline->add_flag("--sealed", o->sealed, "Seal payloads at the agent, open them at the consumer (AES-256-GCM)");
  pipeline->add_option("--json", *json_out, "Append one JSON line per run to this file");
  pipeline->callback([o, json_out] {
    std::vector<PipelineRun> runs;
    auto report = [json_out, sealed = o->sealed](int rep, const PipelineRun& r) {
      print_run(rep, r);
      if (json_out->empty()) return;
      nlohmann::json j = {{"peer", "ferry"},          {"lines", r.lines},
                          {"bytes", r.bytes},         {"seconds", r.seconds},
                          {"sent_seconds", r.sent_seconds}, {"cpu_agent", r.cpu_agent},
                          {"cpu_broker", r.cpu_broker}, {"cpu_consumer", r.cpu_consumer},
                          {"lost", r.lost},           {"duplicated", r.duplicated},
                          {"sealed", sealed},         {"error", r.error}};
      std::ofstream(*json_out, std::ios::app) << j.dump() << "\n";
    };
    try {
      runs = run_pipeline_bench(*o, report);
    } catch (const std::exception& e) {
      std::cerr << "ferryctl bench pipeline: " << e.what() << "\n";
      throw CLI::RuntimeError(2);
    }
    std::vector<double> seconds, sent, agent, broker, consumer;
    double lines = 0, bytes = 0;
    bool ok = true;
    for (const auto& r : runs) {
      ok = ok && r.error.empty() && r.lost == 0 && r.duplicated == 0;
      if (!r.error.empty()) continue;
      lines = static_cast<double>(r.lines);
      bytes = static_cast<double>(r.bytes);
      seconds.push_back(r.seconds);
      sent.push_back(r.sent_seconds);
      agent.push_back(r.cpu_agent);
      broker.push_back(r.cpu_broker);
      consumer.push_back(r.cpu_consumer);
    }
    if (!seconds.empty()) {
      const double s = median(seconds);
      std::printf("median of %zu: %.2f s (all sent at %.2f s)  %.0f lines/s  %.1f MB/s  cpu s per 1M lines: agent %.2f"
                  " broker %.2f consumer %.2f\n",
                  seconds.size(), s, median(sent), lines / s, bytes / s / 1e6, median(agent) / lines * 1e6,
                  median(broker) / lines * 1e6, median(consumer) / lines * 1e6);
    }
    if (!ok) throw CLI::RuntimeError(1);
  });
}

}  // namespace ferry::ferryctl
