// Each daemon refuses a bad config at start with the file, the key and the reason.

#include <gtest/gtest.h>

#include "agent/agent_config.h"
#include "broker/broker_config.h"
#include "common/config/config_error.h"
#include "consumer/consumer_config.h"
#include "tests/support/temp_dir.h"

namespace ferry {
namespace {

constexpr const char* kTls = "[tls]\ncert = \"c\"\nkey = \"k\"\nca = \"a\"\n";

std::string broker_toml(const std::string& top) {
  return "node_id = \"b1\"\ndc = \"dc1\"\ndata_dir = \"/tmp/x\"\nconsumers = [\"127.0.0.1:1\"]\n" +
         top + kTls;
}

template <class Fn>
config::ConfigError error_of(Fn&& fn) {
  try {
    fn();
  } catch (const config::ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError thrown";
  return config::ConfigError("", "", "");
}

TEST(ConfigLoadingTest, BrokerDefaultsAndOverrides) {
  testing::TempDir dir;
  testing::write_file(
      dir.file("b.toml"),
      broker_toml("") + "[store]\nretention = \"2h\"\n[consumer_socket]\ncongestion = \"cubic\"\n");
  auto c = broker::load_broker_config(dir.file("b.toml"));
  EXPECT_EQ(c.node_id, "b1");
  EXPECT_EQ(c.retention, std::chrono::hours(2));
  EXPECT_EQ(c.consumer_tuning.congestion, "cubic");
  EXPECT_EQ(c.consumer_tuning.send_buffer_bytes, 4 << 20);  // WAN default kept
}

// Identities compare in one case (common/tls/role_claim.h): "B1" and "b1" are one node.
TEST(ConfigLoadingTest, NodeNamesAreLowercasedCategoriesAreNot) {
  testing::TempDir dir;
  testing::write_file(dir.file("b.toml"),
                      "node_id = \"Broker-1\"\ndc = \"DC1\"\ndata_dir = \"/tmp/x\"\n"
                      "consumers = [\"127.0.0.1:1\"]\n" +
                          std::string(kTls));
  auto b = broker::load_broker_config(dir.file("b.toml"));
  EXPECT_EQ(b.node_id, "broker-1");
  EXPECT_EQ(b.dc, "dc1");
  testing::write_file(dir.file("a.toml"),
                      "host = \"DC1-H1\"\ndc = \"dc1\"\nstate_dir = \"/tmp/s\"\n"
                      "brokers = [\"127.0.0.1:1\"]\n[[source]]\ncategory = \"Song_Plays\"\n"
                      "paths = [\"/tmp/*.log\"]\n" +
                          std::string(kTls));
  auto a = agent::load_agent_config(dir.file("a.toml"));
  EXPECT_EQ(a.host, "dc1-h1");
  EXPECT_EQ(a.sources.at(0).category, "Song_Plays");
}

TEST(ConfigLoadingTest, BrokerConnectionLimitsHaveDefaultsAndAreChecked) {
  testing::TempDir dir;
  testing::write_file(dir.file("b.toml"),
                      broker_toml("") +
                          "[connections]\nmax_connections_per_address = 50\n"
                          "idle_timeout = \"45s\"\nmax_write_queue = \"8MiB\"\n");
  auto c = broker::load_broker_config(dir.file("b.toml"));
  EXPECT_EQ(c.agent_limits.max_connections_per_address, 50u);
  EXPECT_EQ(c.agent_limits.idle_timeout, std::chrono::seconds(45));
  EXPECT_EQ(c.agent_limits.max_write_queue_bytes, 8u << 20);
  EXPECT_EQ(c.agent_limits.max_connections, 20'000u);                     // default kept
  EXPECT_EQ(c.agent_limits.handshake_timeout, std::chrono::seconds(10));  // default kept

  testing::write_file(dir.file("b2.toml"),
                      broker_toml("") + "[connections]\nmax_write_queue = \"1KiB\"\n");
  auto e = error_of([&] { (void)broker::load_broker_config(dir.file("b2.toml")); });
  EXPECT_EQ(e.key, "connections.max_write_queue");
}

// --check-config validates everything the daemon would refuse at start, the log level too.
TEST(ConfigLoadingTest, BadLogLevelIsRefusedAtLoadWithItsLine) {
  testing::TempDir dir;
  testing::write_file(dir.file("b.toml"), broker_toml("") + "[log]\nlevel = \"verbose\"\n");
  auto e = error_of([&] { (void)broker::load_broker_config(dir.file("b.toml")); });
  EXPECT_EQ(e.key, "log.level");
  EXPECT_EQ(e.line, 10);
}

// The consumer knows the [webhdfs] keys whatever the sink, so --check-config lists them.
TEST(ConfigLoadingTest, ConsumerListsWebhdfsKeysWithAPosixSink) {
  testing::TempDir dir;
  testing::write_file(
      dir.file("c.toml"),
      "node_id = \"c1\"\ndata_dir = \"/tmp/x\"\noutput_root = \"/tmp/o\"\n" + std::string(kTls));
  config::ConfigReader r(dir.file("c.toml"));
  auto c = consumer::read_consumer_config(r);
  EXPECT_EQ(c.sink, "posix");
  bool listed = false;
  for (const auto& s : r.settings()) listed |= s.key == "webhdfs.namenode";
  EXPECT_TRUE(listed);
}

TEST(ConfigLoadingTest, BrokerTypoIsRefusedWithTheKey) {
  testing::TempDir dir;
  testing::write_file(dir.file("b.toml"), broker_toml("listne = \"127.0.0.1:1\"\n"));
  auto e = error_of([&] { (void)broker::load_broker_config(dir.file("b.toml")); });
  EXPECT_EQ(e.file, dir.file("b.toml"));
  EXPECT_EQ(e.key, "listne");
  EXPECT_EQ(e.reason, "unknown key; did you mean listen?");
}

TEST(ConfigLoadingTest, BrokerBadAddressAndMissingKeyAreRefused) {
  testing::TempDir dir;
  testing::write_file(dir.file("b.toml"), broker_toml("listen = \"nowhere\"\n"));
  auto e = error_of([&] { (void)broker::load_broker_config(dir.file("b.toml")); });
  EXPECT_EQ(e.key, "listen");
  EXPECT_NE(e.reason.find("host:port"), std::string::npos);

  testing::write_file(dir.file("b2.toml"), std::string("dc = \"dc1\"\n") + kTls);
  e = error_of([&] { (void)broker::load_broker_config(dir.file("b2.toml")); });
  EXPECT_EQ(e.key, "node_id");
}

TEST(ConfigLoadingTest, AgentSourcesAreValidated) {
  testing::TempDir dir;
  std::string head =
      "host = \"h1\"\ndc = \"dc1\"\nstate_dir = \"/tmp/s\"\nbrokers = [\"127.0.0.1:1\"]\n";
  testing::write_file(dir.file("a.toml"),
                      head + "[[source]]\ncategory = \"../etc\"\npaths = [\"/x\"]\n" + kTls);
  auto e = error_of([&] { (void)agent::load_agent_config(dir.file("a.toml")); });
  EXPECT_EQ(e.key, "source[0].category");

  testing::write_file(dir.file("a2.toml"),
                      head +
                          "[[source]]\ncategory = \"c\"\npaths = [\"/x\"]\n[[source]]\ncategory = "
                          "\"c\"\npaths = [\"/y\"]\n" +
                          kTls);
  e = error_of([&] { (void)agent::load_agent_config(dir.file("a2.toml")); });
  EXPECT_NE(e.reason.find("twice"), std::string::npos);

  testing::write_file(dir.file("a3.toml"), head +
                                               "[[source]]\ncategory = \"c\"\npaths = [\"/x\"]\n" +
                                               kTls + "[batch]\nlinger = \"soon\"\n");
  e = error_of([&] { (void)agent::load_agent_config(dir.file("a3.toml")); });
  EXPECT_EQ(e.key, "batch.linger");
}

// RFC 3164 times are read in the source's `timezone`: the host's zone by default, an
// IANA name otherwise; an unknown name is refused with its key.
TEST(ConfigLoadingTest, AgentSourceTimezoneIsResolvedOrRefused) {
  testing::TempDir dir;
  std::string head =
      "host = \"h1\"\ndc = \"dc1\"\nstate_dir = \"/tmp/s\"\nbrokers = [\"127.0.0.1:1\"]\n";
  testing::write_file(
      dir.file("a.toml"),
      head + "[[source]]\ncategory = \"c\"\npaths = [\"/x\"]\n" +
          "[[source]]\ncategory = \"ny\"\npaths = [\"/y\"]\ntimezone = \"America/New_York\"\n" +
          kTls);
  auto c = agent::load_agent_config(dir.file("a.toml"));
  ASSERT_TRUE(c.sources[0].time_zone);
  EXPECT_EQ(c.sources[0].time_zone->offset_ms_at(0),
            agent::event::TimeZone::local().offset_ms_at(0));
  ASSERT_TRUE(c.sources[1].time_zone);
  EXPECT_EQ(c.sources[1].time_zone->name(), "America/New_York");

  testing::write_file(
      dir.file("a2.toml"),
      head + "[[source]]\ncategory = \"c\"\npaths = [\"/x\"]\ntimezone = \"Mars/Olympus_Mons\"\n" +
          kTls);
  auto e = error_of([&] { (void)agent::load_agent_config(dir.file("a2.toml")); });
  EXPECT_EQ(e.key, "source[0].timezone");
  EXPECT_NE(e.reason.find("Mars/Olympus_Mons"), std::string::npos) << e.reason;
}

TEST(ConfigLoadingTest, AgentHttpListenIsOptionalAndChecked) {
  testing::TempDir dir;
  std::string head =
      "host = \"h1\"\ndc = \"dc1\"\nstate_dir = \"/tmp/s\"\nbrokers = [\"127.0.0.1:1\"]\n";
  std::string source = "[[source]]\ncategory = \"c\"\npaths = [\"/x\"]\n";
  testing::write_file(dir.file("a.toml"), head + source + kTls);
  EXPECT_EQ(agent::load_agent_config(dir.file("a.toml")).http_listen, "");
  testing::write_file(dir.file("a2.toml"),
                      head + "http_listen = \"127.0.0.1:9109\"\n" + source + kTls);
  EXPECT_EQ(agent::load_agent_config(dir.file("a2.toml")).http_listen, "127.0.0.1:9109");
  testing::write_file(dir.file("a3.toml"), head + "http_listen = \"9109\"\n" + source + kTls);
  auto e = error_of([&] { (void)agent::load_agent_config(dir.file("a3.toml")); });
  EXPECT_EQ(e.key, "http_listen");
  EXPECT_NE(e.reason.find("host:port"), std::string::npos);
}

TEST(ConfigLoadingTest, ConsumerOutputFormatIsChecked) {
  testing::TempDir dir;
  testing::write_file(dir.file("c.toml"),
                      std::string("node_id = \"c1\"\ndata_dir = \"/d\"\noutput_root = \"/o\"\n") +
                          kTls + "[output]\nformat = \"gzip\"\n");
  auto e = error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); });
  EXPECT_EQ(e.key, "output.format");
}

TEST(ConfigLoadingTest, ConsumerAllowedBrokersAreLowercasedAndChecked) {
  testing::TempDir dir;
  const std::string top =
      std::string("node_id = \"c1\"\ndata_dir = \"/d\"\noutput_root = \"/o\"\n");
  testing::write_file(dir.file("c.toml"), top + kTls);
  EXPECT_TRUE(consumer::load_consumer_config(dir.file("c.toml")).allowed_brokers.empty());
  testing::write_file(dir.file("c.toml"),
                      top + "allowed_brokers = [\"DC1/Broker-DC1-1\", \"dc2/b2\"]\n" + kTls);
  EXPECT_EQ(consumer::load_consumer_config(dir.file("c.toml")).allowed_brokers,
            (std::vector<std::string>{"dc1/broker-dc1-1", "dc2/b2"}));
  testing::write_file(dir.file("c.toml"), top + "allowed_brokers = [\"b2\"]\n" + kTls);
  auto e = error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); });
  EXPECT_EQ(e.key, "allowed_brokers");
}

TEST(ConfigLoadingTest, ConsumerOutputModes) {
  testing::TempDir dir;
  const std::string top =
      std::string("node_id = \"c1\"\ndata_dir = \"/d\"\noutput_root = \"/o\"\n") + kTls;
  testing::write_file(dir.file("c.toml"), top);
  auto c = consumer::load_consumer_config(dir.file("c.toml"));
  EXPECT_EQ(c.output_modes.file, 0640u);
  EXPECT_EQ(c.output_modes.dir, 0750u);
  testing::write_file(dir.file("c.toml"),
                      top + "[output]\nfile_mode = \"0644\"\ndir_mode = \"0755\"\n");
  c = consumer::load_consumer_config(dir.file("c.toml"));
  EXPECT_EQ(c.output_modes.file, 0644u);
  EXPECT_EQ(c.output_modes.dir, 0755u);
  testing::write_file(dir.file("c.toml"),
                      top + "[output]\nfile_mode = \"640\"\ndir_mode = \"0640\"\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "output.dir_mode");
  testing::write_file(dir.file("c.toml"), top + "[output]\nfile_mode = \"rw-r-----\"\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "output.file_mode");
}

TEST(ConfigLoadingTest, ConsumerIdleStreamExpiry) {
  testing::TempDir dir;
  const std::string top =
      std::string("node_id = \"c1\"\ndata_dir = \"/d\"\noutput_root = \"/o\"\n") + kTls;
  testing::write_file(dir.file("c.toml"), top);
  EXPECT_EQ(consumer::load_consumer_config(dir.file("c.toml")).hours.idle_stream_ms,
            24 * kMsPerHour);
  testing::write_file(dir.file("c.toml"), top + "[hours]\nidle_stream_expiry = \"3d\"\n");
  EXPECT_EQ(consumer::load_consumer_config(dir.file("c.toml")).hours.idle_stream_ms,
            72 * kMsPerHour);
  testing::write_file(dir.file("c.toml"),
                      top + "[hours]\nsilent_timeout = \"2h\"\nidle_stream_expiry = \"1h\"\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "hours.idle_stream_expiry");
}

TEST(ConfigLoadingTest, BrokerStoreModes) {
  testing::TempDir dir;
  testing::write_file(dir.file("b.toml"), broker_toml(""));
  auto c = broker::load_broker_config(dir.file("b.toml"));
  EXPECT_EQ(c.store_modes.file, 0640u);
  EXPECT_EQ(c.store_modes.dir, 0750u);
  testing::write_file(dir.file("b.toml"),
                      broker_toml("") + "[store]\nfile_mode = \"0600\"\ndir_mode = \"0700\"\n");
  c = broker::load_broker_config(dir.file("b.toml"));
  EXPECT_EQ(c.store_modes.file, 0600u);
  EXPECT_EQ(c.store_modes.dir, 0700u);
  testing::write_file(dir.file("b.toml"), broker_toml("") + "[store]\ndir_mode = \"0600\"\n");
  EXPECT_EQ(error_of([&] { (void)broker::load_broker_config(dir.file("b.toml")); }).key,
            "store.dir_mode");
}

TEST(ConfigLoadingTest, ConsumerWebHdfsOverHttps) {
  testing::TempDir dir;
  const std::string top = std::string("node_id = \"c1\"\ndata_dir = \"/d\"\n") + kTls +
                          "[output]\nsink = \"webhdfs\"\n";
  testing::write_file(dir.file("c.toml"), top + "[webhdfs]\nnamenode = \"nn1:9870\"\n");
  auto c = consumer::load_consumer_config(dir.file("c.toml"));
  EXPECT_FALSE(c.webhdfs.https);
  EXPECT_EQ(c.webhdfs.namenode, "nn1:9870");
  testing::write_file(
      dir.file("c.toml"),
      top +
          "[webhdfs]\nnamenode = \"https://nn1:9871/\"\nca_file = \"/etc/hdfs-ca.pem\"\n"
          "cert_file = \"/c.crt\"\nkey_file = \"/c.key\"\n");
  c = consumer::load_consumer_config(dir.file("c.toml"));
  EXPECT_TRUE(c.webhdfs.https);
  EXPECT_EQ(c.webhdfs.namenode, "nn1:9871");
  EXPECT_EQ(c.webhdfs.tls.ca_file, "/etc/hdfs-ca.pem");
  EXPECT_EQ(c.webhdfs.tls.key_file, "/c.key");
  testing::write_file(dir.file("c.toml"), top + "[webhdfs]\nnamenode = \"https://nn1:9871\"\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "webhdfs.ca_file");
  testing::write_file(dir.file("c.toml"),
                      top + "[webhdfs]\nnamenode = \"nn1:9870\"\nca_file = \"/ca\"\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "webhdfs.ca_file");
  testing::write_file(
      dir.file("c.toml"),
      top + "[webhdfs]\nnamenode = \"https://nn1:9871\"\nca_file = \"/ca\"\ncert_file = \"/c\"\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "webhdfs.key_file");
}

// The roll rules: defaults below the senders' default windows, overrides, 0 = off, and
// a value with the wrong unit refused with its key.
TEST(ConfigLoadingTest, ConsumerRollLimits) {
  testing::TempDir dir;
  const std::string top =
      std::string("node_id = \"c1\"\ndata_dir = \"/d\"\noutput_root = \"/o\"\n") + kTls;
  testing::write_file(dir.file("c.toml"), top);
  auto c = consumer::load_consumer_config(dir.file("c.toml"));
  EXPECT_EQ(c.store.roll_host_batches, 128u);
  EXPECT_EQ(c.store.roll_host_bytes, 16u << 20);
  EXPECT_EQ(c.store.roll_pending_batches, 2048u);
  EXPECT_EQ(c.store.roll_pending_bytes, 64u << 20);
  testing::write_file(dir.file("c.toml"),
                      top +
                          "[output]\nroll_host_batches = 0\nroll_host_bytes = \"4MiB\"\n"
                          "roll_pending_batches = 500\nroll_pending_bytes = \"1GiB\"\n");
  c = consumer::load_consumer_config(dir.file("c.toml"));
  EXPECT_EQ(c.store.roll_host_batches, 0u);
  EXPECT_EQ(c.store.roll_host_bytes, 4u << 20);
  EXPECT_EQ(c.store.roll_pending_batches, 500u);
  EXPECT_EQ(c.store.roll_pending_bytes, 1ull << 30);
  testing::write_file(dir.file("c.toml"), top + "[output]\nroll_host_bytes = \"4 parsecs\"\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "output.roll_host_bytes");
  testing::write_file(dir.file("c.toml"), top + "[output]\nroll_pending_batches = -1\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "output.roll_pending_batches");
}

// [http]: the admin token is read from its file at load; a missing or too short one, or a
// malformed allowed host, refuses the config with its key.
TEST(ConfigLoadingTest, ConsumerHttpSection) {
  testing::TempDir dir;
  const std::string top = std::string(
                              "node_id = \"c1\"\ndata_dir = \"/d\"\noutput_root = \"/o\"\n"
                              "http_listen = \"127.0.0.1:7999\"\n") +
                          kTls;
  testing::write_file(dir.file("c.toml"), top);
  auto c = consumer::load_consumer_config(dir.file("c.toml"));
  EXPECT_EQ(c.http.port, 7999);
  EXPECT_TRUE(c.http.admin_token.empty());  // writes are off
  EXPECT_EQ(c.http.header_timeout, std::chrono::seconds(5));

  testing::write_file(dir.file("admin.token"), "  s3cret-token-0123456789\n");
  testing::write_file(dir.file("c.toml"),
                      top + "[http]\nadmin_token_file = \"" + dir.file("admin.token") +
                          "\"\nallowed_hosts = [\"dash.example.net\"]\nheader_timeout = \"2s\"\n"
                          "max_connections_per_ip = 8\n");
  c = consumer::load_consumer_config(dir.file("c.toml"));
  EXPECT_EQ(c.http.admin_token, "s3cret-token-0123456789");
  EXPECT_EQ(c.http.allowed_hosts, std::vector<std::string>{"dash.example.net"});
  EXPECT_EQ(c.http.header_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c.http.max_connections_per_ip, 8u);

  testing::write_file(dir.file("c.toml"),
                      top + "[http]\nadmin_token_file = \"" + dir.file("missing") + "\"\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "http.admin_token_file");
  testing::write_file(dir.file("short.token"), "short\n");
  testing::write_file(dir.file("c.toml"),
                      top + "[http]\nadmin_token_file = \"" + dir.file("short.token") + "\"\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "http.admin_token_file");
  testing::write_file(dir.file("c.toml"), top + "[http]\nallowed_hosts = [\"http://x/\"]\n");
  EXPECT_EQ(error_of([&] { (void)consumer::load_consumer_config(dir.file("c.toml")); }).key,
            "http.allowed_hosts");
}

}  // namespace
}  // namespace ferry
