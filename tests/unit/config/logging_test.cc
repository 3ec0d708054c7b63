// common/log has one function whose only failure mode is a ConfigError, so its test
// lives with the config tests.
#include "common/log/logging.h"

#include <cstdlib>
#include <ctime>
#include <regex>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

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
  std::regex line(R"(^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.\d{3}Z ferry-test \[debug\] hello 42\n$)");
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
