// ferryctl gen and ferryctl verify: generate traffic, check delivered output.

#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

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
  auto* gen = app.add_subcommand("gen", "Append syslog-style lines with unique ids to DIR/<host>/<category>.log");
  gen->add_option("--dir", o->dir, "Input directory (one folder per host)")->required();
  gen->add_option("--hosts", *hosts, "Number of hosts, named h1..hN");
  gen->add_option("--host-names", o->hosts, "Host names")->delimiter(',');
  gen->add_option("--categories", o->categories, "Categories")->delimiter(',')->required();
  gen->add_option("--events", o->events, "Lines per host and category (0: until SIGTERM)")->capture_default_str();
  gen->add_option("--rate", o->rate, "Lines per second over all files (0: unthrottled)")->capture_default_str();
  gen->add_option("--rotate-bytes", o->rotate_bytes, "Rotate a file past this size (0: never)");
  gen->add_flag("--rotate-hourly", o->rotate_hourly, "Rotate files when the hour changes (to .YYYYMMDDHH)");
  gen->add_option("--rotate-style", o->rotate_style, "rename (+create), copytruncate, or mixed (alternating)")
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
  auto allow_duplicates = std::make_shared<bool>(false);
  auto* verify = app.add_subcommand("verify", "Compare generated lines with the committed output");
  verify->add_option("--input", *input, "The generator's directory")->required();
  verify->add_option("--output", *output, "The consumer's output root")->required();
  verify->add_flag("--allow-duplicates", *allow_duplicates,
                   "Exit 0 when nothing is lost, however many lines are doubled (after an agent's state was wiped, "
                   "lines it had shipped are read again)");
  verify->callback([input, output, allow_duplicates] {
    auto r = run_verify(*input, *output);
    if (!r) {
      std::cerr << "ferryctl verify: " << r.error().message() << "\n";
      throw CLI::RuntimeError(2);
    }
    const auto& v = r.value();
    for (const auto& id : v.lost_examples) std::cout << "lost: " << id << "\n";
    for (const auto& id : v.duplicated_examples) std::cout << "duplicated: " << id << "\n";
    if (v.unexpected) std::cout << "unexpected (never generated): " << v.unexpected << "\n";
    std::cout << "delivered=" << v.delivered << " lost=" << v.lost << " duplicated=" << v.duplicated << "\n";
    const bool nothing_lost = v.lost == 0;
    if (!(v.ok() || (*allow_duplicates && nothing_lost))) throw CLI::RuntimeError(1);
  });
}

}  // namespace ferry::ferryctl
