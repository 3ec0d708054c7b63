#include "common/config/zookeeper_section.h"

#include <gtest/gtest.h>

namespace ferry::config {
namespace {

ZooKeeperSettings read(const std::string& text, bool advertise = true) {
  auto r = ConfigReader::from_string(text, "test.toml");
  auto z = read_zookeeper_section(r, advertise);
  r.finish();
  return z;
}

std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ZooKeeperSectionTest, AbsentMeansNoCoordinator) {
  auto z = read("");
  EXPECT_FALSE(z.options.enabled());
  EXPECT_EQ(z.options.root, "/ferry");
  EXPECT_TRUE(z.advertise.empty());
}

TEST(ZooKeeperSectionTest, ReadsEveryKey) {
  auto z = read(R"([zookeeper]
hosts = "127.0.0.1:2181,zk2.example:2182"
root = "/ferry/prod-eu"
session_timeout = "4s"
advertise = "b1.dc1.example:7400"
)");
  EXPECT_TRUE(z.options.enabled());
  EXPECT_EQ(z.options.hosts, "127.0.0.1:2181,zk2.example:2182");
  EXPECT_EQ(z.options.root, "/ferry/prod-eu");
  EXPECT_EQ(z.options.session_timeout, std::chrono::seconds(4));
  EXPECT_EQ(z.advertise, "b1.dc1.example:7400");
}

TEST(ZooKeeperSectionTest, BadValuesNameTheKey) {
  EXPECT_NE(error_of("[zookeeper]\nhosts = \"zk1:2181,zk2\"\n").find("zookeeper.hosts"),
            std::string::npos);
  EXPECT_NE(error_of("[zookeeper]\nhosts = \"zk1:2181,zk2\"\n").find("'zk2'"), std::string::npos);
  EXPECT_NE(error_of("[zookeeper]\nroot = \"ferry\"\n").find("zookeeper.root"), std::string::npos);
  EXPECT_NE(error_of("[zookeeper]\nroot = \"/ferry/\"\n").find("zookeeper.root"),
            std::string::npos);
  EXPECT_NE(error_of("[zookeeper]\nsession_timeout = \"10ms\"\n").find("zookeeper.session_timeout"),
            std::string::npos);
  EXPECT_NE(error_of("[zookeeper]\nadvertise = \"nohostport\"\n").find("zookeeper.advertise"),
            std::string::npos);
}

TEST(ZooKeeperSectionTest, AgentsHaveNoAdvertise) {
  auto r = ConfigReader::from_string("[zookeeper]\nadvertise = \"a:1\"\n", "agent.toml");
  read_zookeeper_section(r, /*with_advertise=*/false);
  EXPECT_THROW(r.finish(), ConfigError)
      << "an agent is never dialled, so advertise is an unknown key";
}

}  // namespace
}  // namespace ferry::config
