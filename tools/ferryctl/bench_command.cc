// ferryctl bench pipeline --dir DIR [--lines N] [--reps R] [--hosts N] [--json FILE]
//                         [--rate L --seconds S | --latency-at-half]

#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tools/ferryctl/commands.h"
#include "tools/ferryctl/pipeline_bench.h"
#include "tools/ferryctl/pipeline_report.h"

namespace ferry::ferryctl {

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<PipelineBenchOptions>();
  auto json_out = std::make_shared<std::string>();
  auto at_half = std::make_shared<bool>(false);
  auto* bench = app.add_subcommand("bench", "Benchmarks of the whole system");
  bench->require_subcommand(1);
  auto* pipeline = bench->add_subcommand(
      "pipeline", "Agent(s) -> broker -> consumer on loopback, as ../shared/peers measures rsyslog and syslog-ng");
  pipeline->add_option("--dir", o->dir, "Work directory (corpus, one cluster per run)")->required();
  pipeline->add_option("--lines", o->lines, "Lines of the generated corpus")->capture_default_str();
  pipeline->add_option("--input", o->input, "Replay this file (e.g. the peers' corpus) instead of a generated one");
  pipeline->add_option("--reps", o->reps, "Throughput runs")->capture_default_str()->check(CLI::PositiveNumber);
  pipeline->add_option("--hosts", o->hosts, "Agents (host identities), each tailing its own file; the input is split"
                                            " among them")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  pipeline->add_option("--timeout", o->timeout_s, "Seconds a run may take (a latency run: after its writing)")
      ->capture_default_str();
  pipeline->add_option("--roll-age", o->roll_age, "The consumer's roll_age (the last batch waits for it)")
      ->capture_default_str();
  auto* rate = pipeline->add_option("--rate", o->rate,
                                    "Latency run instead: append timed lines at this many lines/s (all agents)"
                                    " and report write -> commit percentiles")
                   ->check(CLI::PositiveNumber);
  pipeline->add_option("--seconds", o->seconds, "How long a latency run writes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  pipeline->add_flag("--latency-at-half", *at_half,
                     "Throughput runs first, then a latency run at half their median lines/s")
      ->excludes(rate);
  pipeline->add_option("--bin-dir", o->bin_dir, "Directory of ferry-agent, ferry-broker, ferry-consumer");
  pipeline->add_flag("--keep", o->keep, "Keep each run's cluster directory");
  pipeline->add_flag("--sealed", o->sealed, "Seal payloads at the agent, open them at the consumer (AES-256-GCM)");
  pipeline->add_option("--json", *json_out, "Append one JSON line per run to this file");
  pipeline->callback([o, json_out, at_half] {
    bool ok = true;
    auto report = [&ok, json_out, sealed = o->sealed](const std::string& label, const PipelineRun& r) {
      ok = ok && r.error.empty() && r.lost == 0 && r.duplicated == 0;
      print_run(label, r);
      if (!json_out->empty()) std::ofstream(*json_out, std::ios::app) << run_json(r, sealed).dump() << "\n";
    };
    try {
      if (o->rate == 0) {
        auto runs = run_pipeline_bench(*o, [&](int rep, const PipelineRun& r) { report("run " + std::to_string(rep), r); });
        const double saturation = print_medians(runs);
        if (*at_half) {
          if (saturation <= 0) throw std::runtime_error("no throughput run succeeded: no rate to halve");
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
}

}  // namespace ferry::ferryctl
