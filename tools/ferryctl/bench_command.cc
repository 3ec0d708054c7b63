// ferryctl bench pipeline --dir DIR [--lines N] [--reps R] [--hosts N] [--json FILE]
//                         [--rate L --seconds S | --latency-at-half] [--subscribers K]
// ferryctl bench hosts --agents N [--dir DIR | --cluster DIR] [--json FILE]

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tools/ferryctl/commands.h"
#include "tools/ferryctl/hosts_bench.h"
#include "tools/ferryctl/pipeline_bench.h"
#include "tools/ferryctl/pipeline_report.h"

namespace ferry::ferryctl {
namespace {

double mb(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

void print_hosts(const HostsBenchResult& r) {
  std::printf("agents            %zu (connected %zu, stored %zu, failed %zu)\n", r.agents,
              r.connected, r.stored, r.failed);
  if (!r.first_error.empty()) std::printf("first failure     %s\n", r.first_error.c_str());
  std::printf("connect           %.2f s  %.0f handshakes/s (TCP + mTLS + HELLO)\n",
              r.connect_seconds, r.handshakes_per_second());
  std::printf("one batch each    %.2f s  %.0f batches/s (until STORED)\n", r.store_seconds,
              r.batches_per_second());
  std::printf(
      "broker RSS        before %.1f MB  idle with %zu connections %.1f MB  %.1f s after closing "
      "%.1f MB\n",
      mb(r.before.rss_bytes), r.connected, mb(r.idle.rss_bytes), 0.0 + r.settle_seconds,
      mb(r.after.rss_bytes));
  std::printf("broker peak RSS   %.1f MB (VmHWM)\n",
              mb(std::max(r.idle.hwm_bytes, r.after.hwm_bytes)));
  std::printf("per connection    %.1f KB\n", r.bytes_per_connection() / 1024);
  std::printf("broker open files %llu (soft RLIMIT_NOFILE)\n",
              static_cast<unsigned long long>(r.broker_open_file_limit));
  std::printf(
      "/api/hosts        broker %.1f ms (%zu hosts, %.1f MB)  consumer %.1f ms (%zu hosts, %.1f "
      "MB)\n",
      r.broker_api.median_ms, r.broker_api.hosts, mb(r.broker_api.bytes), r.consumer_api.median_ms,
      r.consumer_api.hosts, mb(r.consumer_api.bytes));
  std::fflush(stdout);
}

nlohmann::json hosts_json(const HostsBenchResult& r) {
  auto memory = [](const ProcMemory& m) {
    return nlohmann::json{{"rss_bytes", m.rss_bytes}, {"hwm_bytes", m.hwm_bytes}};
  };
  auto api = [](const ApiTiming& a) {
    return nlohmann::json{{"hosts", a.hosts}, {"bytes", a.bytes}, {"median_ms", a.median_ms}};
  };
  return {{"agents", r.agents},
          {"connected", r.connected},
          {"stored", r.stored},
          {"failed", r.failed},
          {"first_error", r.first_error},
          {"connect_seconds", r.connect_seconds},
          {"handshakes_per_second", r.handshakes_per_second()},
          {"store_seconds", r.store_seconds},
          {"batches_per_second", r.batches_per_second()},
          {"broker_before", memory(r.before)},
          {"broker_idle", memory(r.idle)},
          {"broker_after", memory(r.after)},
          {"settle_seconds", r.settle_seconds},
          {"bytes_per_connection", r.bytes_per_connection()},
          {"broker_open_file_limit", r.broker_open_file_limit},
          {"broker_api_hosts", api(r.broker_api)},
          {"consumer_api_hosts", api(r.consumer_api)},
          {"ok", r.ok()}};
}

void add_hosts_bench(CLI::App& bench) {
  auto o = std::make_shared<HostsBenchOptions>();
  auto json_out = std::make_shared<std::string>();
  auto* hosts = bench.add_subcommand(
      "hosts",
      "N agent connections (a host and certificate each) on one broker: memory per connection, "
      "handshakes/s, batches/s, /api/hosts");
  hosts->add_option("--agents", o->agents, "Agent connections")
      ->required()
      ->check(CLI::PositiveNumber);
  hosts->add_option("--dir", o->dir, "Work directory: the cluster is started in DIR/cluster");
  hosts->add_option("--cluster", o->cluster,
                    "Use the running cluster in this directory (its first broker)");
  hosts->add_option("--parallel", o->parallel, "Connections being set up at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  hosts->add_option("--hold", o->hold_s, "Seconds idle with every connection open before sampling")
      ->capture_default_str();
  hosts->add_option("--settle", o->settle_s, "Seconds after closing them before sampling again")
      ->capture_default_str();
  hosts->add_option("--timeout", o->timeout_s, "Seconds the batches may take to be STORED")
      ->capture_default_str();
  hosts->add_option("--bin-dir", o->bin_dir,
                    "Directory of ferry-agent, ferry-broker, ferry-consumer");
  hosts->add_flag("--keep", o->keep, "Leave the cluster running");
  hosts->add_option("--json", *json_out, "Append the run as one JSON line to this file");
  hosts->callback([o, json_out] {
    if (o->dir.empty() == o->cluster.empty()) {
      std::cerr << "ferryctl bench hosts: give --dir (start a cluster) or --cluster (use a running "
                   "one)\n";
      throw CLI::RuntimeError(2);
    }
    HostsBenchResult r;
    try {
      r = run_hosts_bench(*o);
    } catch (const std::exception& e) {
      std::cerr << "ferryctl bench hosts: " << e.what() << "\n";
      throw CLI::RuntimeError(2);
    }
    print_hosts(r);
    if (!json_out->empty()) std::ofstream(*json_out, std::ios::app) << hosts_json(r).dump() << "\n";
    if (!r.ok()) throw CLI::RuntimeError(1);
  });
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<PipelineBenchOptions>();
  auto json_out = std::make_shared<std::string>();
  auto at_half = std::make_shared<bool>(false);
  auto* bench = app.add_subcommand("bench", "Benchmarks of the whole system");
  bench->require_subcommand(1);
  auto* pipeline = bench->add_subcommand("pipeline",
                                         "Agent(s) -> broker -> consumer on loopback, as "
                                         "../shared/peers measures rsyslog and syslog-ng");
  pipeline->add_option("--dir", o->dir, "Work directory (corpus, one cluster per run)")->required();
  pipeline->add_option("--lines", o->lines, "Lines of the generated corpus")->capture_default_str();
  pipeline->add_option("--input", o->input,
                       "Replay this file (e.g. the peers' corpus) instead of a generated one");
  pipeline->add_option("--reps", o->reps, "Throughput runs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  pipeline
      ->add_option("--hosts", o->hosts,
                   "Agents (host identities), each tailing its own file; the input is split"
                   " among them")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  pipeline
      ->add_option("--timeout", o->timeout_s,
                   "Seconds a run may take (a latency run: after its writing)")
      ->capture_default_str();
  pipeline
      ->add_option("--roll-age", o->roll_age,
                   "The consumer's roll_age (the last batch waits for it)")
      ->capture_default_str();
  auto* rate =
      pipeline
          ->add_option("--rate", o->rate,
                       "Latency run instead: append timed lines at this many lines/s (all agents)"
                       " and report write -> commit percentiles")
          ->check(CLI::PositiveNumber);
  pipeline->add_option("--seconds", o->seconds, "How long a latency run writes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  pipeline
      ->add_flag("--latency-at-half", *at_half,
                 "Throughput runs first, then a latency run at half their median lines/s")
      ->excludes(rate);
  pipeline
      ->add_option("--subscribers", o->subscribers,
                   "Live Kafka subscribers reading the category from offset 0 during each run"
                   " (librdkafka, inside ferryctl); 0: the consumer serves none")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  pipeline->add_option("--bin-dir", o->bin_dir,
                       "Directory of ferry-agent, ferry-broker, ferry-consumer");
  pipeline->add_flag("--keep", o->keep, "Keep each run's cluster directory");
  pipeline->add_flag("--sealed", o->sealed,
                     "Seal payloads at the agent, open them at the consumer (AES-256-GCM)");
  pipeline->add_option("--json", *json_out, "Append one JSON line per run to this file");
  pipeline->callback([o, json_out, at_half] {
    bool ok = true;
    auto report = [&ok, json_out, sealed = o->sealed](const std::string& label,
                                                      const PipelineRun& r) {
      ok = ok && r.error.empty() && r.lost == 0 && r.duplicated == 0 && r.subscribers.lost == 0 &&
           r.subscribers.duplicated == 0;
      print_run(label, r);
      if (!json_out->empty())
        std::ofstream(*json_out, std::ios::app) << run_json(r, sealed).dump() << "\n";
    };
    try {
      if (o->rate == 0) {
        auto runs = run_pipeline_bench(
            *o, [&](int rep, const PipelineRun& r) { report("run " + std::to_string(rep), r); });
        const double saturation = print_medians(runs);
        if (*at_half) {
          if (saturation <= 0)
            throw std::runtime_error("no throughput run succeeded: no rate to halve");
          o->rate = saturation / 2;
        }
      }
      if (o->rate > 0) report("latency", run_latency_bench(*o));
    } catch (const std::exception& e) {
      std::cerr << "ferryctl bench pipeline: " << e.what() << "\n";
      throw CLI::RuntimeError(2);
    }
    if (!ok) throw CLI::RuntimeError(1);
  });
  add_hosts_bench(*bench);
}

}  // namespace ferry::ferryctl
