// ferry-consumer --config FILE
#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

#include "common/config/config_error.h"
#include "common/log/logging.h"
#include "consumer/consumer_app.h"

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--config" || a == "-c") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::printf("usage: ferry-consumer --config FILE\n");
      return 0;
    } else {
      std::fprintf(stderr, "ferry-consumer: unknown argument '%s' (usage: ferry-consumer --config FILE)\n", a.c_str());
      return 2;
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "ferry-consumer: --config FILE is required\n");
    return 2;
  }
  try {
    auto config = ferry::consumer::load_consumer_config(config_path);
    ferry::log::init_logging("ferry-consumer", config.log_level,
                             config.log_file.empty() ? std::nullopt : std::optional(config.log_file));
    ferry::consumer::ConsumerApp app(std::move(config));
    app.start();
    return app.run();
  } catch (const ferry::config::ConfigError& e) {
    std::fprintf(stderr, "ferry-consumer: bad config: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("ferry-consumer cannot start: {}", e.what());
    std::fprintf(stderr, "ferry-consumer: cannot start: %s\n", e.what());
    return 1;
  }
}
