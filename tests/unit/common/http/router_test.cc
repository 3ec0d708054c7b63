#include "common/http/router.h"

#include <gtest/gtest.h>

namespace ferry::http {
namespace {

Response call(const Router& r, const std::string& method, const std::string& path) {
  auto m = r.find(method, path);
  if (m.handler == nullptr) return Response::text("", m.status);
  Request req;
  req.method = method;
  req.path = path;
  return (*m.handler)(req);
}

TEST(RouterTest, ExactBeatsPrefixAndLongestPrefixWins) {
  Router r;
  r.get_prefix("/api/", [](const Request&) { return Response::text("api"); });
  r.get_prefix("/api/hosts/", [](const Request&) { return Response::text("hosts"); });
  r.get("/api/hosts/special", [](const Request&) { return Response::text("special"); });
  EXPECT_EQ(call(r, "GET", "/api/x").body, "api");
  EXPECT_EQ(call(r, "GET", "/api/hosts/h1").body, "hosts");
  EXPECT_EQ(call(r, "GET", "/api/hosts/special").body, "special");
  EXPECT_EQ(call(r, "GET", "/other").status, 404u);
}

TEST(RouterTest, MethodMismatchIs405WithAllow) {
  Router r;
  r.get("/a", [](const Request&) { return Response::text("a"); });
  r.post("/a", [](const Request&) { return Response::text("post a"); });
  r.post("/b", [](const Request&) { return Response::text("b"); });
  EXPECT_EQ(call(r, "POST", "/a").body, "post a");
  auto m = r.find("PUT", "/a");
  EXPECT_EQ(m.status, 405u);
  EXPECT_EQ(m.allow, "GET, POST");
  EXPECT_EQ(r.find("GET", "/b").allow, "POST");
  EXPECT_EQ(r.find("DELETE", "/c").status, 404u);
}

TEST(RouterTest, AssetAndEventRoutes) {
  Router r;
  r.asset("/app.js", "text/javascript", "let x = 1;");
  r.events("/events", std::chrono::milliseconds(10),
           [](const Request&) -> EventSource { return [] { return std::nullopt; }; });
  auto js = call(r, "GET", "/app.js");
  EXPECT_EQ(js.body, "let x = 1;");
  EXPECT_EQ(js.content_type, "text/javascript");
  auto m = r.find("GET", "/events");
  ASSERT_NE(m.events, nullptr);
  EXPECT_EQ(m.events->interval, std::chrono::milliseconds(10));
  EXPECT_EQ(r.find("POST", "/events").status, 405u);
}

asio::awaitable<Response> accepted(Request) { co_return Response::text("ok", 202); }

TEST(RouterTest, AsyncPostRoutes) {
  Router r;
  r.post_async("/api/hosts/forget", [](Request req) { return accepted(std::move(req)); });
  auto m = r.find("POST", "/api/hosts/forget");
  EXPECT_NE(m.async_handler, nullptr);
  EXPECT_EQ(m.handler, nullptr);
  auto wrong = r.find("GET", "/api/hosts/forget");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(wrong.allow, "POST");
}

TEST(RequestTest, HeadersAndQueryParams) {
  Request req;
  req.headers = {{"Authorization", "Bearer t"}, {"X-A", "1"}};
  req.query = "host=h%2F1&empty&dc=dc+1&host=second";
  EXPECT_EQ(req.header("authorization"), "Bearer t");
  EXPECT_EQ(req.header("missing"), "");
  EXPECT_EQ(req.query_param("host"), "h/1");
  EXPECT_EQ(req.query_param("dc"), "dc 1");
  EXPECT_EQ(req.query_param("empty"), "");
  EXPECT_EQ(req.query_param("nope"), std::nullopt);
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz"), "%zz");
}

}  // namespace
}  // namespace ferry::http
