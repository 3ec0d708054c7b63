// SIGHUP re-reads the config: live keys change, the rest is reported as waiting for a
// restart (every SIGHUP, until one happens), and a broken file changes nothing.

#include "common/app/hangup_handler.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "common/config/node_sections.h"
#include "common/log/logging.h"
#include "tests/support/temp_dir.h"

namespace ferry::app {
namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

LiveConfig check(const config::ConfigReader& r) {
  (void)r.integer("window", 1);
  auto log = config::read_log_section(r);
  r.finish();
  return {log.level, {}};
}

TEST(HangupHandlerTest, AppliesLiveKeysReportsTheRestAndKeepsAGoodConfig) {
  testing::TempDir dir;
  const std::string conf = dir.file("d.toml");
  const std::string log_path = dir.file("d.log");
  testing::write_file(conf, "window = 1\n[log]\nlevel = \"info\"\n");
  config::ConfigReader first(conf);
  (void)check(first);
  log::init_logging("ferry-test", "info", log_path);

  asio::io_context io;
  HangupHandler hup(io);
  hup.reload_config_with(conf, check, first.settings());

  testing::write_file(conf, "window = 2\n[log]\nlevel = \"debug\"\n");
  hup.on_hangup();
  EXPECT_EQ(spdlog::default_logger_raw()->level(), spdlog::level::debug);
  std::string text = testing::read_file(log_path);
  EXPECT_EQ(count(text, "log.level changed from \"info\" to \"debug\""), 1u) << text;
  EXPECT_EQ(count(text, "window changed from 1 to 2"), 1u) << text;
  EXPECT_NE(text.find("needs a restart"), std::string::npos) << text;

  // Again: the level is running now; the window still waits for a restart.
  hup.on_hangup();
  text = testing::read_file(log_path);
  EXPECT_EQ(count(text, "log.level changed"), 1u) << text;
  EXPECT_EQ(count(text, "window changed from 1 to 2"), 2u) << text;

  // A broken file (an unknown key, a bad level) keeps everything as it runs.
  testing::write_file(conf, "window = 3\nwindw = 4\n[log]\nlevel = \"error\"\n");
  hup.on_hangup();
  text = testing::read_file(log_path);
  EXPECT_NE(
      text.find("config not applied: " + conf + ":2: windw: unknown key; did you mean window?"),
      std::string::npos)
      << text;
  EXPECT_EQ(spdlog::default_logger_raw()->level(), spdlog::level::debug);
  EXPECT_EQ(count(text, "window changed from 1 to 3"), 0u) << text;
  log::init_logging("ferry-test", "info");
}

}  // namespace
}  // namespace ferry::app
