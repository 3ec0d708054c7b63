// Revocation and certificate reload (docs/security.md): a certificate listed in the
// cluster's CRL fails the TLS handshake, and SIGHUP re-reads certificates and CRL so new
// connections see a fresh revocation while open ones go on. Before [tls] crl and the
// reload, a stolen key stayed valid until its certificate expired.

#include <signal.h>

#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "common/tls/cert_factory.h"
#include "common/wire/messages.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

bool file_contains(const std::string& path, const std::string& needle) {
  return std::filesystem::exists(path) && read_file(path).find(needle) != std::string::npos;
}

bool delivered_contains(const MiniCluster& cluster, const std::string& needle) {
  auto lines = cluster.delivered_lines();
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

Conversation say_hello_as_h9(const MiniCluster& cluster) {
  return converse(
      cluster.broker_port(1), cluster.tls_options("h9"),
      {wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h9", "dc1"})},
      wire::FrameType::kHello);
}

class RevocationTest : public ::testing::Test {
 protected:
  MiniClusterOptions options() {
    MiniClusterOptions o{.brokers = 1, .agents = 1, .log_to_files = true, .crl = true};
    o.extra_identities = {tls::RoleClaim::agent("h9")};  // the key that gets stolen
    return o;
  }
  void append_line(const std::string& body) {
    std::ofstream(cluster_.input_file(1), std::ios::app) << syslog_line("h1", body);
  }
  MiniCluster cluster_{options()};
};

TEST_F(RevocationTest, SighupRevokesForNewConnectionsWhileOpenOnesGoOn) {
  cluster_.start_all();
  append_line("before-revocation");
  ASSERT_TRUE(wait_until([&] { return delivered_contains(cluster_, "before-revocation"); }, 60s));
  ASSERT_TRUE(say_hello_as_h9(cluster_).saw(wire::FrameType::kHello)) << "h9 is not revoked yet";

  auto crl = tls::revoke_dev_certs(cluster_.dir().path() / "certs", {"h9"});
  ASSERT_TRUE(crl) << crl.error().text;
  ASSERT_EQ(::kill(cluster_.pid("broker-1"), SIGHUP), 0);
  const std::string broker_log = cluster_.daemon_log("broker-1");
  ASSERT_TRUE(wait_until(
      [&] { return file_contains(broker_log, "SIGHUP: TLS server context (agents) reloaded"); },
      20s));

  auto refused = say_hello_as_h9(cluster_);
  EXPECT_FALSE(refused.saw(wire::FrameType::kHello)) << "a revoked key still got a HELLO";
  EXPECT_TRUE(wait_until([&] { return file_contains(broker_log, "(certificate revoked)"); }, 10s))
      << "the broker did not log why";
  // h1's link was open before the reload, and it still delivers.
  append_line("after-revocation");
  EXPECT_TRUE(wait_until([&] { return delivered_contains(cluster_, "after-revocation"); }, 60s));
  for (const auto& name : cluster_.names()) EXPECT_TRUE(cluster_.running(name)) << name;
}

TEST_F(RevocationTest, ABadFileOnSighupKeepsThePreviousContext) {
  cluster_.start_all();
  // A SIGHUP before the broker's handler is installed would end it.
  ASSERT_TRUE(
      wait_until([&] { return file_contains(cluster_.daemon_log("broker-1"), "listening"); }, 30s));
  auto crl = tls::revoke_dev_certs(cluster_.dir().path() / "certs", {"h9"});
  ASSERT_TRUE(crl) << crl.error().text;
  ASSERT_EQ(::kill(cluster_.pid("broker-1"), SIGHUP), 0);
  const std::string broker_log = cluster_.daemon_log("broker-1");
  ASSERT_TRUE(wait_until(
      [&] { return file_contains(broker_log, "SIGHUP: TLS server context (agents) reloaded"); },
      20s));

  write_file(cluster_.crl_file(), "not a CRL\n");
  ASSERT_EQ(::kill(cluster_.pid("broker-1"), SIGHUP), 0);
  EXPECT_TRUE(wait_until(
      [&] {
        return file_contains(broker_log, "SIGHUP: cannot reload TLS server context (agents)");
      },
      20s));
  EXPECT_TRUE(file_contains(broker_log, "no PEM X509 CRL"));
  EXPECT_TRUE(cluster_.running("broker-1"));
  // The previous context, with h9 revoked, still guards new connections; h1 still delivers.
  EXPECT_FALSE(say_hello_as_h9(cluster_).saw(wire::FrameType::kHello));
  append_line("after-bad-reload");
  EXPECT_TRUE(wait_until([&] { return delivered_contains(cluster_, "after-bad-reload"); }, 60s));
}

}  // namespace
}  // namespace ferry::testing
