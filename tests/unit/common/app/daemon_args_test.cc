// The daemons' shared command line: --config (default /etc/ferry/<role>.toml),
// --check-config, --help, --version, and exit code 2 for anything else.

#include "common/app/daemon_args.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/app/build_info.h"

namespace ferry::app {
namespace {

std::optional<DaemonArgs> parse(std::vector<const char*> argv, int& code) {
  argv.insert(argv.begin(), "ferry-agent");
  return parse_daemon_args("ferry-agent", static_cast<int>(argv.size()),
                           const_cast<char**>(argv.data()), code);
}

TEST(DaemonArgsTest, ConfigDefaultsToTheInstalledPath) {
  int code = -1;
  auto a = parse({}, code);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->config_path, "/etc/ferry/agent.toml");
  EXPECT_FALSE(a->check_config);
  EXPECT_EQ(default_config_path("ferry-consumer"), "/etc/ferry/consumer.toml");
}

TEST(DaemonArgsTest, ReadsConfigAndCheckConfig) {
  int code = -1;
  auto a = parse({"--check-config", "-c", "x.toml"}, code);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->config_path, "x.toml");
  EXPECT_TRUE(a->check_config);
  a = parse({"--config=y.toml"}, code);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->config_path, "y.toml");
}

TEST(DaemonArgsTest, HelpAndVersionExitZero) {
  for (const char* flag : {"--help", "-h", "--version", "-V"}) {
    int code = -1;
    testing::internal::CaptureStdout();
    EXPECT_FALSE(parse({flag}, code));
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_EQ(code, 0) << flag;
    if (std::string_view(flag).find('V') != std::string_view::npos ||
        std::string_view(flag) == "--version") {
      EXPECT_EQ(out, version_line("ferry-agent") + "\n");
    } else {
      EXPECT_NE(out.find("--check-config"), std::string::npos) << out;
      EXPECT_NE(out.find("--version"), std::string::npos) << out;
    }
  }
  EXPECT_NE(version_line("ferry-agent").find(std::string(git_revision())), std::string::npos);
}

TEST(DaemonArgsTest, BadUsageExitsTwo) {
  for (std::vector<const char*> argv : {std::vector<const char*>{"--bogus"}, {"--config"}}) {
    int code = -1;
    testing::internal::CaptureStderr();
    EXPECT_FALSE(parse(argv, code));
    EXPECT_NE(testing::internal::GetCapturedStderr().find("--help"), std::string::npos);
    EXPECT_EQ(code, 2);
  }
}

}  // namespace
}  // namespace ferry::app
