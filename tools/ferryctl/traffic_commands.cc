// ferryctl gen and ferryctl verify: generate traffic, check delivered output.

#include <csignal>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "tools/ferryctl/agent_holdings.h"
#include "tools/ferryctl/cluster.h"
#include "tools/ferryctl/commands.h"
#include "tools/ferryctl/gen.h"
#include "tools/ferryctl/verify.h"

namespace ferry::ferryctl {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

}  // namespace

void add_gen_command(CLI::App& app) {
  auto o = std::make_shared<GenOptions>();
  auto hosts = std::make_shared<int>(0);
  auto* gen = app.add_subcommand(
      "gen", "Append syslog-style lines with unique ids to DIR/<host>/<category>.log");
  gen->add_option("--dir", o->dir, "Input directory (one folder per host)")->required();
  gen->add_option("--hosts", *hosts, "Number of hosts, named h1..hN");
  gen->add_option("--host-names", o->hosts, "Host names")->delimiter(',');
  gen->add_option("--categories", o->categories, "Categories")->delimiter(',')->required();
  gen->add_option("--events", o->events, "Lines per host and category (0: until SIGTERM)")
      ->capture_default_str();
  gen->add_option("--rate", o->rate, "Lines per second over all files (0: unthrottled)")
      ->capture_default_str();
  gen->add_option("--rotate-bytes", o->rotate_bytes, "Rotate a file past this size (0: never)");
  gen->add_flag("--rotate-hourly", o->rotate_hourly,
                "Rotate files when the hour changes (to .YYYYMMDDHH)");
  gen->add_option("--rotate-style", o->rotate_style,
                  "rename (+create), copytruncate, or mixed (alternating)")
      ->check(CLI::IsMember({"rename", "copytruncate", "mixed"}))
      ->capture_default_str();
  gen->add_option("--line-bytes", o->line_bytes, "Approximate line size")->capture_default_str();
  gen->callback([o, hosts] {
    for (int i = 1; i <= *hosts; ++i) o->hosts.push_back("h" + std::to_string(i));
    if (o->hosts.empty()) {
      std::cerr << "ferryctl gen: give --hosts N or --host-names\n";
      throw CLI::RuntimeError(2);
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    auto r = run_gen(*o, g_stop);
    std::cout << "generated " << r.lines << " lines, " << r.rotations << " rotations\n";
  });
}

void add_verify_command(CLI::App& app) {
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto dir = std::make_shared<std::string>();
  auto allow_duplicates = std::make_shared<bool>(false);
  auto* verify = app.add_subcommand("verify", "Compare generated lines with the committed output");
  verify->add_option("--input", *input,
                     "The generator's directory (default with --dir: DIR/input)");
  verify->add_option("--output", *output,
                     "The consumer's output root (default with --dir: the cluster's)");
  verify->add_option(
      "--dir", *dir,
      "A running `cluster up` directory: lines its agents still hold are reported as in flight, "
      "not lost");
  verify->add_flag("--allow-duplicates", *allow_duplicates,
                   "Exit 0 when nothing is lost, however many lines are doubled (after an agent's "
                   "state was wiped, "
                   "lines it had shipped are read again)");
  verify->callback([input, output, dir, allow_duplicates] {
    std::optional<AgentHoldings> holdings;
    if (!dir->empty()) {
      auto cluster = load_cluster(*dir);
      if (input->empty()) *input = *dir + "/input";
      if (output->empty()) *output = cluster["output_root"].get<std::string>();
      holdings.emplace(std::move(cluster));
    }
    if (input->empty() || output->empty()) {
      std::cerr << "ferryctl verify: --input and --output (or --dir) are required\n";
      throw CLI::RuntimeError(2);
    }
    std::function<bool(std::string_view)> in_flight;
    if (holdings) in_flight = [&holdings](std::string_view id) { return holdings->holds(id); };
    auto r = run_verify(*input, *output, 5, in_flight);
    if (!r) {
      std::cerr << "ferryctl verify: " << r.error().message() << "\n";
      throw CLI::RuntimeError(2);
    }
    const auto& v = r.value();
    for (const auto& id : v.lost_examples) std::cout << "lost: " << id << "\n";
    for (const auto& id : v.in_flight_examples) std::cout << "in flight: " << id << "\n";
    for (const auto& id : v.duplicated_examples) std::cout << "duplicated: " << id << "\n";
    if (v.unexpected) std::cout << "unexpected (never generated): " << v.unexpected << "\n";
    if (holdings) {
      for (const auto& host : holdings->unreachable()) {
        std::cout
            << "agent of " << host
            << " did not answer: its missing lines count as in flight (its files hold them)\n";
      }
      std::cout << "delivered=" << v.delivered << " in_flight=" << v.in_flight << " lost=" << v.lost
                << " duplicated=" << v.duplicated << "\n";
    } else {
      std::cout << "delivered=" << v.delivered << " lost=" << v.lost
                << " duplicated=" << v.duplicated << "\n";
    }
    const bool complete = v.lost == 0 && v.in_flight == 0;
    if (!(v.ok() || (*allow_duplicates && complete))) throw CLI::RuntimeError(1);
  });
}

}  // namespace ferry::ferryctl
