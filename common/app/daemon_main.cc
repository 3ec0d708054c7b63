#include "common/app/daemon_main.h"

#include "common/app/build_info.h"

namespace ferry::app {

void print_effective_config(std::string_view program, const config::ConfigReader& reader) {
  std::printf("# %s: %s is valid.\n# Effective settings; \"# default\" marks a key the file leaves out.\n\n%s",
              version_line(program).c_str(), reader.file().c_str(),
              config::format_settings(reader.settings()).c_str());
}

}  // namespace ferry::app
