// The consumer's HTTP side against a hostile client on the network or a web page in an
// operator's browser (issue 12, "HTTP"): write endpoints need the admin token, requests
// naming a foreign Host (DNS rebinding) or posting from a foreign Origin are refused,
// the dashboard page carries a Content-Security-Policy, and half-sent requests
// (slowloris) cannot keep /healthz from answering for long.

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/net/asio.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

const std::string kForget = "/api/hosts/forget?host=h1";

// The reply, or status 0 when the connection failed or was closed without one.
HttpReply try_request(uint16_t port, const std::string& method, const std::string& target,
                      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  try {
    return http_request(port, method, target, "", headers);
  } catch (const std::exception&) {
    return HttpReply{};
  }
}

class ConsumerHttpGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<MiniCluster>(MiniClusterOptions{.brokers = 1, .agents = 1});
    cluster_->start("consumer");
    port_ = cluster_->consumer_http_port();
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (try_request(port_, "GET", "/healthz").status != 200) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "consumer http never came up";
      std::this_thread::sleep_for(100ms);
    }
  }

  std::string bearer() const { return "Bearer " + cluster_->admin_token(); }

  std::unique_ptr<MiniCluster> cluster_;
  uint16_t port_ = 0;
};

TEST_F(ConsumerHttpGuardTest, ForgetWithoutTheTokenIsRefused) {
  auto none = try_request(port_, "POST", kForget);
  EXPECT_EQ(none.status, 401u) << none.body;
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer");
  auto wrong = try_request(port_, "POST", kForget, {{"Authorization", "Bearer not-the-token"}});
  EXPECT_EQ(wrong.status, 401u) << wrong.body;
  auto right = try_request(port_, "POST", kForget, {{"Authorization", bearer()}});
  EXPECT_EQ(right.status, 200u) << right.body;
}

TEST_F(ConsumerHttpGuardTest, ForeignHostAndCrossOriginPostAreRefused) {
  const std::string self = "127.0.0.1:" + std::to_string(port_);
  EXPECT_EQ(try_request(port_, "GET", "/api/hosts",
                        {{"Host", "attacker.example:" + std::to_string(port_)}})
                .status,
            421u);
  EXPECT_EQ(
      try_request(port_, "GET", "/api/hosts", {{"Host", "localhost:" + std::to_string(port_)}})
          .status,
      200u);
  EXPECT_EQ(try_request(port_, "GET", "/api/hosts", {{"Host", self}}).status, 200u);
  auto cross = try_request(
      port_, "POST", kForget,
      {{"Host", self}, {"Origin", "http://attacker.example"}, {"Authorization", bearer()}});
  EXPECT_EQ(cross.status, 403u) << cross.body;
  auto same =
      try_request(port_, "POST", kForget,
                  {{"Host", self}, {"Origin", "http://" + self}, {"Authorization", bearer()}});
  EXPECT_EQ(same.status, 200u) << same.body;
}

TEST_F(ConsumerHttpGuardTest, DashboardPageCarriesAContentSecurityPolicy) {
  auto page = try_request(port_, "GET", "/");
  ASSERT_EQ(page.status, 200u);
  const std::string csp = page.headers["content-security-policy"];
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'sha256-"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(page.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(page.headers["x-frame-options"], "DENY");
}

// 300 connections each holding a half-sent request: /healthz answers again within the
// header-read timeout (5 s) plus slack, while they are still open.
TEST_F(ConsumerHttpGuardTest, HealthzAnswersWhile300RequestsAreHalfSent) {
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> attackers;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 300; ++i) {
    auto s = std::make_unique<tcp::socket>(io);
    boost::system::error_code ec;
    s->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    if (ec) continue;
    asio::write(
        *s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")), ec);
    attackers.push_back(std::move(s));
  }
  ASSERT_GT(attackers.size(), 250u);
  HttpReply r;
  while (std::chrono::steady_clock::now() - started < 20s) {
    r = try_request(port_, "GET", "/healthz");
    if (r.status == 200) break;
    std::this_thread::sleep_for(100ms);
  }
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 200u);
  EXPECT_LT(took, 8s) << "healthz answered only after "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
}

}  // namespace
}  // namespace ferry::testing
