// ferry-agent --config FILE
#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

#include "agent/agent_app.h"
#include "common/config/config_error.h"
#include "common/log/logging.h"

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--config" || a == "-c") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::printf("usage: ferry-agent --config FILE\n");
      return 0;
    } else {
      std::fprintf(stderr, "ferry-agent: unknown argument '%s' (usage: ferry-agent --config FILE)\n", a.c_str());
      return 2;
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "ferry-agent: --config FILE is required\n");
    return 2;
  }
  try {
    auto config = ferry::agent::load_agent_config(config_path);
    ferry::log::init_logging("ferry-agent", config.log_level,
                             config.log_file.empty() ? std::nullopt : std::optional(config.log_file));
    ferry::agent::AgentApp app(std::move(config));
    app.start();
    return app.run();
  } catch (const ferry::config::ConfigError& e) {
    std::fprintf(stderr, "ferry-agent: bad config: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("ferry-agent cannot start: {}", e.what());
    std::fprintf(stderr, "ferry-agent: cannot start: %s\n", e.what());
    return 1;
  }
}
