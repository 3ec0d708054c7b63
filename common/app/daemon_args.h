#pragma once
// The command line every daemon shares: --config FILE (default /etc/ferry/<role>.toml,
// where the packages install it), --check-config, --help, --version.

#include <optional>
#include <string>
#include <string_view>

namespace ferry::app {

struct DaemonArgs {
  std::string config_path;
  bool check_config = false;  // validate, print the effective config, exit
  bool config_keys = false;   // validate, print the table of every key the program knows, exit
};

// "/etc/ferry/agent.toml" for "ferry-agent".
std::string default_config_path(std::string_view program);

// The parsed arguments, or nullopt with `exit_code` set: 0 after --help or --version
// (printed to stdout), 2 for bad usage (said on stderr).
std::optional<DaemonArgs> parse_daemon_args(std::string_view program, int argc, char** argv,
                                            int& exit_code);

}  // namespace ferry::app
