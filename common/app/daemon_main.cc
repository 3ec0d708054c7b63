#include "common/app/daemon_main.h"

#include "common/app/build_info.h"
#include "common/app/live_settings.h"

namespace ferry::app {

void print_effective_config(std::string_view program, const config::ConfigReader& reader) {
  std::printf(
      "# %s: %s is valid.\n# Effective settings. \"# default\": the key is at its default; \"# "
      "default X\": the file\n# changed it from X.\n\n%s",
      version_line(program).c_str(), reader.file().c_str(),
      config::format_settings(reader.settings(), changes_live).c_str());
}

void print_config_keys(const config::ConfigReader& reader) {
  std::fputs(config::format_key_table(reader.settings(), changes_live).c_str(), stdout);
}

}  // namespace ferry::app
