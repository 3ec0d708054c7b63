#pragma once
// The shared main() of the three daemons: the command line (daemon_args.h), logging,
// start, run, and the exit codes operators rely on (0 clean stop, 1 cannot start or
// failed, 2 bad usage or bad config with file, key and reason on stderr). An app whose
// restart_in_place() says so after its stop executes itself again (restart_in_place.h).

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/app/daemon_args.h"
#include "common/app/hangup_handler.h"
#include "common/app/open_file_limit.h"
#include "common/app/restart_in_place.h"
#include "common/app/service_notify.h"
#include "common/base/memory_release.h"
#include "common/config/config_error.h"
#include "common/config/config_reader.h"
#include "common/log/logging.h"

namespace ferry::app {

// Prints what --check-config shows for a valid file: a header, then every key the loader
// asked for with its effective value (config::format_settings).
void print_effective_config(std::string_view program, const config::ConfigReader& reader);
// What --config-keys prints (config::format_key_table).
void print_config_keys(const config::ConfigReader& reader);

// A failure after start is not "cannot start": the operator's next look is at what the
// running daemon did, not at its config.
template <class App>
int run_until_stopped(const char* program, App& app) {
  try {
    return app.run();
  } catch (const std::exception& e) {
    spdlog::critical("{} failed while running: {}", program, e.what());
    std::fprintf(stderr, "%s: failed while running: %s\n", program, e.what());
    return 1;
  }
}

// `load(reader)` returns the program's config (with a `log` member, config::LogSettings);
// App(config) has start() and run().
template <class App, class Load>
int daemon_main(const char* program, int argc, char** argv, Load&& load) {
  // Until the app listens for it (HangupHandler), a SIGHUP must not kill the process.
  std::signal(SIGHUP, SIG_IGN);
  int exit_code = 0;
  auto args = parse_daemon_args(program, argc, argv, exit_code);
  if (!args) return exit_code;
  try {
    const config::ConfigReader reader(args->config_path);
    auto config = load(reader);
    if (args->config_keys) {
      print_config_keys(reader);
      return 0;
    }
    if (args->check_config) {
      print_effective_config(program, reader);
      return 0;
    }
    log::init_logging(program, config.log.level,
                      config.log.file.empty() ? std::nullopt : std::optional(config.log.file),
                      config.log.format);
    raise_open_file_limit();
    keep_batch_buffers_in_heap();
    bool restart = false;
    {
      App app(std::move(config));
      app.hangup().reload_config_with(
          args->config_path,
          [load](const config::ConfigReader& r) {
            auto fresh = load(r);
            return LiveConfig{fresh.log.level, fresh.tls};
          },
          reader.settings());
      app.start();
      notify_service("READY=1");  // listening, store recovered: systemd may order dependents
      exit_code = run_until_stopped(program, app);
      if constexpr (requires { app.restart_in_place(); }) restart = app.restart_in_place();
    }  // stopped and closed (store, sockets, locks) before the new image opens them again
    if (restart) return restart_in_place(program, argv);
    return exit_code;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s: bad config: %s\n", program, e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("{} cannot start: {}", program, e.what());
    std::fprintf(stderr, "%s: cannot start: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace ferry::app
