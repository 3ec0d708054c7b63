// libFuzzer target: the three daemons' config loaders (TOML parse, then each program's
// validation) on arbitrary file contents. A bad config must be refused with a
// ConfigError naming file, key and reason (DESIGN §11); any other exception, a crash or
// a hang is a bug.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "agent/agent_config.h"
#include "broker/broker_config.h"
#include "common/config/config_error.h"
#include "consumer/consumer_config.h"

namespace {

const std::string& scratch_path() {
  static const std::string path = "/tmp/ferry-config-fuzz-" + std::to_string(::getpid()) + ".toml";
  return path;
}

template <class Load>
void try_load(Load&& load) {
  try {
    (void)load(scratch_path());
  } catch (const ferry::config::ConfigError&) {
    // The expected refusal.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(scratch_path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try_load(ferry::broker::load_broker_config);
  try_load(ferry::agent::load_agent_config);
  try_load(ferry::consumer::load_consumer_config);
  ::unlink(scratch_path().c_str());  // libFuzzer exits without running atexit handlers
  return 0;
}
