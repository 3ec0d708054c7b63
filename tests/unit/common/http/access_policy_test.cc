#include "common/http/access_policy.h"

#include <gtest/gtest.h>

namespace ferry::http {
namespace {

constexpr const char* kToken = "0123456789abcdef-admin";

ServerOptions options_with(std::vector<std::string> allowed = {}, std::string token = kToken) {
  ServerOptions o;
  o.address = "127.0.0.1";
  o.allowed_hosts = std::move(allowed);
  o.admin_token = std::move(token);
  return o;
}

Request request(std::string method, std::vector<std::pair<std::string, std::string>> headers) {
  Request r;
  r.method = std::move(method);
  r.path = "/api/hosts/forget";
  r.headers = std::move(headers);
  return r;
}

TEST(AccessPolicyTest, HostMustNameThisServer) {
  AccessPolicy p(options_with({"dash.example.net", "proxy.example.net:443"}), 7580);
  for (const char* ok :
       {"127.0.0.1:7580", "127.0.0.1", "localhost:7580", "LocalHost:7580", "[::1]:7580",
        "dash.example.net", "dash.example.net:7580", "proxy.example.net:443"}) {
    EXPECT_TRUE(p.host_allowed(ok)) << ok;
  }
  for (const char* bad :
       {"", "attacker.example:7580", "attacker.example", "127.0.0.1:7581", "localhost:80",
        "proxy.example.net", "dash.example.net:8080", "127.0.0.1.attacker.example:7580"}) {
    EXPECT_FALSE(p.host_allowed(bad)) << bad;
  }
}

TEST(AccessPolicyTest, ForeignHostIs421EvenForReads) {
  AccessPolicy p(options_with(), 7580);
  auto r = p.refusal(request("GET", {{"Host", "rebound.attacker.example:7580"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 421u);
  EXPECT_FALSE(p.refusal(request("GET", {{"Host", "127.0.0.1:7580"}})));
}

TEST(AccessPolicyTest, WritesNeedTheBearerToken) {
  AccessPolicy p(options_with(), 7580);
  auto none = p.refusal(request("POST", {{"Host", "127.0.0.1:7580"}}));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401u);
  auto wrong = p.refusal(request(
      "POST", {{"Host", "127.0.0.1:7580"}, {"Authorization", "Bearer 0123456789abcdef-admiN"}}));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401u);
  auto prefix = p.refusal(
      request("POST", {{"Host", "127.0.0.1:7580"}, {"Authorization", "Bearer 0123456789abcdef"}}));
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->status, 401u);
  EXPECT_FALSE(p.refusal(request(
      "POST", {{"Host", "127.0.0.1:7580"}, {"Authorization", std::string("Bearer ") + kToken}})));
  EXPECT_FALSE(p.refusal(request(
      "POST", {{"Host", "127.0.0.1:7580"}, {"Authorization", std::string("bearer ") + kToken}})));
}

TEST(AccessPolicyTest, WithoutATokenWritesAreOff) {
  AccessPolicy p(options_with({}, ""), 7580);
  auto r = p.refusal(request("POST", {{"Host", "127.0.0.1:7580"}, {"Authorization", "Bearer "}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403u);
  EXPECT_NE(r->body.find("admin_token_file"), std::string::npos) << r->body;
}

TEST(AccessPolicyTest, CrossOriginWriteIs403EvenWithTheToken) {
  AccessPolicy p(options_with(), 7580);
  const std::string auth = std::string("Bearer ") + kToken;
  for (const char* origin :
       {"http://attacker.example", "null", "https://127.0.0.1:7580", "http://127.0.0.1:7581"}) {
    auto r = p.refusal(
        request("POST", {{"Host", "127.0.0.1:7580"}, {"Origin", origin}, {"Authorization", auth}}));
    ASSERT_TRUE(r) << origin;
    EXPECT_EQ(r->status, 403u) << origin;
  }
  EXPECT_FALSE(p.refusal(request(
      "POST",
      {{"Host", "127.0.0.1:7580"}, {"Origin", "http://127.0.0.1:7580"}, {"Authorization", auth}})));
}

}  // namespace
}  // namespace ferry::http
