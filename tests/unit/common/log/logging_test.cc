// common/log has one function whose only failure mode is a ConfigError, so its test
// lives with the config tests.
#include "common/log/logging.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <regex>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/config/config_error.h"
#include "tests/support/temp_dir.h"

namespace ferry::log {
namespace {

TEST(LoggingTest, WritesUtcTimestampProgramAndLevelToFile) {
  // A local zone far from UTC: a local-time timestamp would be off by 5.5 hours.
  setenv("TZ", "Asia/Kolkata", 1);
  tzset();
  testing::TempDir dir;
  std::string path = dir.file("ferry.log");
  init_logging("ferry-test", "debug", path);
  spdlog::debug("hello {}", 42);
  spdlog::trace("not shown");
  spdlog::default_logger()->flush();
  std::string text = testing::read_file(path);
  std::smatch m;
  std::regex line(
      R"(^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.\d{3}Z ferry-test \[debug\] hello 42\n$)");
  ASSERT_TRUE(std::regex_match(text, m, line)) << text;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  EXPECT_LT(std::abs(timegm(&tm) - std::time(nullptr)), 600);
  init_logging("ferry-test", "info");  // back to stderr before the file goes away
}

// A line is in the file as soon as it is logged: `tail -f` shows it, a crash keeps it.
TEST(LoggingTest, EachLineReachesTheFileWithoutAnExplicitFlush) {
  testing::TempDir dir;
  const std::string path = dir.file("ferry.log");
  init_logging("ferry-test", "info", path);
  spdlog::info("first");
  EXPECT_NE(testing::read_file(path).find("[info] first\n"), std::string::npos);
  spdlog::info("second");
  EXPECT_NE(testing::read_file(path).find("[info] second\n"), std::string::npos);
  init_logging("ferry-test", "info");
}

TEST(LoggingTest, JsonFormatWritesOneObjectPerLine) {
  testing::TempDir dir;
  const std::string path = dir.file("ferry.log");
  init_logging("ferry-test", "info", path, LogFormat::kJson);
  spdlog::warn("a \"quoted\" path C:\\x\nand a second line\x01");
  const std::string text = testing::read_file(path);
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["program"], "ferry-test");
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["msg"], "a \"quoted\" path C:\\x\nand a second line\x01");
  EXPECT_TRUE(std::regex_match(j["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  init_logging("ferry-test", "info");
}

TEST(LoggingTest, LevelChangesWhileRunning) {
  testing::TempDir dir;
  const std::string path = dir.file("ferry.log");
  init_logging("ferry-test", "info", path);
  spdlog::debug("hidden");
  EXPECT_FALSE(set_log_level("loud"));
  EXPECT_TRUE(set_log_level("debug"));
  spdlog::debug("shown");
  const std::string text = testing::read_file(path);
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  EXPECT_NE(text.find("shown"), std::string::npos);
  init_logging("ferry-test", "info");
}

TEST(LoggingTest, BadLevelIsConfigError) {
  try {
    init_logging("ferry-test", "verbose");
    FAIL() << "no ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(e.key, "log.level");
    EXPECT_STREQ(e.what(),
                 "log.level: unknown level \"verbose\" (use trace, debug, info, warn, error, "
                 "critical, off)");
  }
}

TEST(LoggingTest, UnopenableFileIsConfigError) {
  testing::TempDir dir;
  testing::write_file(dir.file("plain"), "");
  try {
    // spdlog creates missing directories, so make the parent a regular file.
    init_logging("ferry-test", "info", dir.file("plain") + "/ferry.log");
    FAIL() << "no ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(e.key, "log.file");
  }
}

}  // namespace
}  // namespace ferry::log
