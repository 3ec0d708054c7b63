#include "common/app/daemon_args.h"

#include <cstdio>

#include <fmt/format.h>

#include "common/app/build_info.h"

namespace ferry::app {
namespace {

std::string help_text(std::string_view program) {
  return fmt::format(
      "usage: {0} [--config FILE] [--check-config]\n"
      "\n"
      "options:\n"
      "  -c, --config FILE   the TOML config file (default {1})\n"
      "      --check-config  validate the config, print the effective settings with their\n"
      "                      defaults and exit: 0 when valid; 2 naming file:line, key and\n"
      "                      reason when not\n"
      "      --config-keys   validate the config, then print every key the program knows:\n"
      "                      key, type, default, live or restart, required or optional\n"
      "                      (tab-separated; docs/configuration.md is checked against it)\n"
      "  -h, --help          print this help and exit\n"
      "  -V, --version       print the version and git revision and exit\n"
      "\n"
      "signals: SIGHUP re-reads the config, certificates and log file (docs/configuration.md\n"
      "says which keys change live); SIGTERM drains and stops.\n"
      "exit codes: 0 clean stop, 1 cannot start or failed, 2 bad usage or bad config.\n",
      program, default_config_path(program));
}

}  // namespace

std::string default_config_path(std::string_view program) {
  std::string_view role = program;
  if (role.starts_with("ferry-")) role.remove_prefix(6);
  return fmt::format("/etc/ferry/{}.toml", role);
}

std::optional<DaemonArgs> parse_daemon_args(std::string_view program, int argc, char** argv,
                                            int& exit_code) {
  DaemonArgs args{default_config_path(program)};
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--config" || a == "-c") {
      if (i + 1 == argc) {
        std::fprintf(stderr, "%.*s: %.*s needs a FILE (see --help)\n", int(program.size()),
                     program.data(), int(a.size()), a.data());
        exit_code = 2;
        return std::nullopt;
      }
      args.config_path = argv[++i];
    } else if (a.starts_with("--config=")) {
      args.config_path = a.substr(9);
    } else if (a == "--check-config") {
      args.check_config = true;
    } else if (a == "--config-keys") {
      args.config_keys = true;
    } else if (a == "--help" || a == "-h") {
      std::fputs(help_text(program).c_str(), stdout);
      exit_code = 0;
      return std::nullopt;
    } else if (a == "--version" || a == "-V") {
      std::puts(version_line(program).c_str());
      exit_code = 0;
      return std::nullopt;
    } else {
      std::fprintf(stderr, "%.*s: unknown argument '%.*s' (see --help)\n", int(program.size()),
                   program.data(), int(a.size()), a.data());
      exit_code = 2;
      return std::nullopt;
    }
  }
  return args;
}

}  // namespace ferry::app
