#include "common/app/daemon_main.h"

namespace ferry::app {

std::optional<std::string> config_path_from_args(const char* program, int argc, char** argv, int& exit_code) {
  std::optional<std::string> path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--config" || a == "-c") && i + 1 < argc) {
      path = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::printf("usage: %s --config FILE\n", program);
      exit_code = 0;
      return std::nullopt;
    } else {
      std::fprintf(stderr, "%s: unknown argument '%s' (usage: %s --config FILE)\n", program, a.c_str(), program);
      exit_code = 2;
      return std::nullopt;
    }
  }
  if (!path) {
    std::fprintf(stderr, "%s: --config FILE is required\n", program);
    exit_code = 2;
  }
  return path;
}

}  // namespace ferry::app
