// [subscribe]: off unless listen is set, defaults, and each bad value refused by key.

#include "consumer/live/subscribe_options.h"

#include <gtest/gtest.h>

#include "common/config/config_error.h"

namespace ferry::consumer::live {
namespace {

SubscribeOptions read(const std::string& toml) {
  return read_subscribe_section(config::ConfigReader::from_string(toml));
}

std::string error_key(const std::string& toml) {
  try {
    (void)read(toml);
  } catch (const config::ConfigError& e) {
    return e.key;
  }
  return "<no error>";
}

TEST(SubscribeOptionsTest, OffWithoutListenAndDefaultsOtherwise) {
  EXPECT_FALSE(read("").enabled());
  auto o = read("[subscribe]\nlisten = \"127.0.0.1:7590\"\n");
  EXPECT_TRUE(o.enabled());
  EXPECT_EQ(o.advertise, "127.0.0.1:7590");
  EXPECT_EQ(o.log.retention_ms, 24 * 3600 * 1000LL);
  EXPECT_EQ(o.log.retention_bytes, 1ull << 30);
  EXPECT_EQ(o.log.compression, kafka::Compression::kZstd);
  EXPECT_TRUE(o.allowed_subscribers.empty());
}

TEST(SubscribeOptionsTest, EveryKeyIsRead) {
  auto o = read(
      "[subscribe]\nlisten = \"0.0.0.0:7590\"\nadvertise = \"c1.example:7590\"\n"
      "retention = \"2h\"\nretention_bytes = \"64MiB\"\ncompression = \"none\"\n"
      "allowed_subscribers = [\"Dash\"]\nmax_connections = 10\nidle_timeout = \"30s\"\n");
  EXPECT_EQ(o.advertise, "c1.example:7590");
  EXPECT_EQ(o.log.retention_ms, 2 * 3600 * 1000LL);
  EXPECT_EQ(o.log.retention_bytes, 64u << 20);
  EXPECT_EQ(o.log.compression, kafka::Compression::kNone);
  EXPECT_EQ(o.allowed_subscribers, std::vector<std::string>{"dash"});
  EXPECT_EQ(o.max_connections, 10u);
  EXPECT_EQ(o.idle_timeout, std::chrono::seconds(30));
}

TEST(SubscribeOptionsTest, BadValuesAreRefusedNamingTheKey) {
  EXPECT_EQ(error_key("[subscribe]\nlisten = \"127.0.0.1:0\"\n"), "subscribe.listen");
  EXPECT_EQ(error_key("[subscribe]\nlisten = \"nope\"\n"), "subscribe.listen");
  EXPECT_EQ(error_key("[subscribe]\nlisten = \"127.0.0.1:1\"\ncompression = \"lz4\"\n"),
            "subscribe.compression");
  EXPECT_EQ(error_key("[subscribe]\nlisten = \"127.0.0.1:1\"\nretention_bytes = \"1KiB\"\n"),
            "subscribe.retention_bytes");
  EXPECT_EQ(error_key("[subscribe]\nlisten = \"127.0.0.1:1\"\nallowed_subscribers = [\"a/b\"]\n"),
            "subscribe.allowed_subscribers");
}

}  // namespace
}  // namespace ferry::consumer::live
