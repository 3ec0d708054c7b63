#include "common/http/http_server.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/metrics/registry.h"
#include "tests/support/http_get.h"

namespace ferry::http {
namespace {

using testing::http_get;
using testing::http_raw;
using testing::http_request;
using namespace std::chrono_literals;

constexpr const char* kToken = "test-admin-token-0123456789";
const std::vector<std::pair<std::string, std::string>> kAuth{
    {"Authorization", std::string("Bearer ") + kToken}};

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// A connection that has sent only part of a request's headers.
std::unique_ptr<testing::HttpConnection> half_sent_request(uint16_t port) {
  auto conn = std::make_unique<testing::HttpConnection>(port);
  conn->send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
  return conn;
}

// Runs on the pool: blocks it (not the I/O thread) until `released`.
asio::awaitable<void> block_until(std::shared_future<void> released, std::atomic<bool>* entered) {
  entered->store(true);
  released.wait();
  co_return;
}

asio::awaitable<Response> reply_when_released(asio::thread_pool& pool,
                                              std::shared_future<void> released,
                                              std::atomic<bool>* entered) {
  co_await asio::co_spawn(pool, block_until(released, entered), asio::use_awaitable);
  co_return Response::text("released\n");
}

// A server on 127.0.0.1:0 whose io_context runs on one background thread. Its admin
// token is kToken unless the test's options name another.
class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}, const std::function<void(Router&)>& more_routes = {}) {
    if (options.admin_token.empty()) options.admin_token = kToken;
    server_ = std::make_unique<HttpServer>(io_, options, &registry_);
    add_routes(server_->routes());
    add_endless_stream(server_->routes());
    if (more_routes) more_routes(server_->routes());
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().message();
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) server_->stop();
    // run() returns only once the accept loop and every connection have ended.
    if (thread_.joinable()) thread_.join();
  }

  void add_routes(Router& r) {
    r.get("/api/status", [](const Request& req) {
      nlohmann::json j = {{"dc", req.query_param("dc").value_or("all")}, {"hosts", 3}};
      return Response::json(j.dump());
    });
    r.get_prefix("/api/hosts/",
                 [](const Request& req) { return Response::text("host " + req.path.substr(11)); });
    r.post("/api/replay", [](const Request& req) {
      return Response::json(R"({"accepted":)" + std::to_string(req.body.size()) + "}", 202);
    });
    r.get("/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
    r.asset("/", "text/html; charset=utf-8", "<html>ferry</html>");
    r.events("/api/events", std::chrono::milliseconds(5), [this](const Request&) -> EventSource {
      auto n = std::make_shared<int>(0);
      return [n, this]() -> std::optional<std::string> {
        if (*n == 3) return std::nullopt;
        ++sse_ticks_;
        return nlohmann::json{{"tick", ++*n}}.dump();
      };
    });
  }

  uint16_t port() const { return server_->port(); }

  static void add_endless_stream(Router& r) {
    r.events("/api/forever", std::chrono::hours(1), [](const Request&) -> EventSource {
      return []() -> std::optional<std::string> { return std::string("{}"); };
    });
  }

  asio::io_context io_;
  metrics::Registry registry_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::atomic<int> sse_ticks_{0};
};

TEST_F(HttpServerTest, HealthzSaysOk) {
  start();
  auto r = http_get(port(), "/healthz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
}

TEST_F(HttpServerTest, MetricsRendersRegistry) {
  registry_.counter_family("ferry_events_total", "Events.", {"host"}).with({"h1"}).inc(5);
  start();
  auto r = http_get(port(), "/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body,
            "# HELP ferry_events_total Events.\n"
            "# TYPE ferry_events_total counter\n"
            "ferry_events_total{host=\"h1\"} 5\n");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405) {
  start();
  EXPECT_EQ(http_get(port(), "/nope").status, 404u);
  auto r = http_request(port(), "POST", "/healthz", "x");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.headers["allow"], "GET");
  EXPECT_EQ(http_get(port(), "/api/replay").headers["allow"], "POST");
}

TEST_F(HttpServerTest, JsonRouteSeesQuery) {
  start();
  auto r = http_get(port(), "/api/status?dc=dc%201");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["dc"], "dc 1");
  EXPECT_EQ(j["hosts"], 3);
}

TEST_F(HttpServerTest, PrefixPostAndAssetRoutes) {
  start();
  EXPECT_EQ(http_get(port(), "/api/hosts/h42").body, "host h42");
  auto post = http_request(port(), "POST", "/api/replay", "0123456789", kAuth);
  EXPECT_EQ(post.status, 202u);
  EXPECT_EQ(post.body, R"({"accepted":10})");
  auto page = http_get(port(), "/");
  EXPECT_EQ(page.body, "<html>ferry</html>");
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
}

TEST_F(HttpServerTest, ThrowingHandlerIs500) {
  start();
  EXPECT_EQ(http_get(port(), "/boom").status, 500u);
  EXPECT_EQ(http_get(port(), "/healthz").status, 200u);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  testing::HttpConnection conn(port());
  for (int i = 0; i < 3; ++i) {
    auto r = conn.request("GET", "/healthz");
    EXPECT_EQ(r.status, 200u);
    EXPECT_TRUE(r.keep_alive);
  }
  EXPECT_EQ(conn.request("GET", "/api/status").status, 200u);
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  start(options);
  std::string req =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  std::string reply = http_raw(port(), req);
  EXPECT_EQ(reply.rfind("HTTP/1.1 431 ", 0), 0u) << reply;
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
  ServerOptions options;
  options.max_body_bytes = 100;
  start(options);
  auto r = http_request(port(), "POST", "/api/replay", std::string(50, 'x'), kAuth);
  EXPECT_EQ(r.status, 202u);
  std::string reply =
      http_raw(port(),
               "POST /api/replay HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000"
               "\r\n\r\n" +
                   std::string(1000, 'x'));
  EXPECT_EQ(reply.rfind("HTTP/1.1 413 ", 0), 0u) << reply;
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  start();
  std::string reply = http_raw(port(), "GARBAGE\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 ", 0), 0u) << reply;
}

TEST_F(HttpServerTest, IdleConnectionIsClosedAfterReadTimeout) {
  ServerOptions options;
  options.read_timeout = std::chrono::milliseconds(100);
  start(options);
  testing::HttpConnection conn(port());
  EXPECT_TRUE(conn.closed_by_server());
}

TEST_F(HttpServerTest, HalfSentRequestIsClosedAfterTheHeaderTimeout) {
  ServerOptions options;
  options.header_timeout = 200ms;
  start(options);
  auto slow = half_sent_request(port());
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(slow->closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(HttpServerTest, ConnectionsOverThePerIpCapAreClosedAtOnce) {
  ServerOptions options;
  options.max_connections_per_ip = 3;
  start(options);
  std::vector<std::unique_ptr<testing::HttpConnection>> held;
  for (int i = 0; i < 3; ++i) held.push_back(half_sent_request(port()));
  testing::HttpConnection excess(port());
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(excess.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  held.clear();  // their slots come free once the server sees them close
  EXPECT_TRUE(wait_until(
      [&] {
        try {
          return http_get(port(), "/healthz").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      5s));
}

TEST_F(HttpServerTest, WriteRouteNeedsTheAdminToken) {
  start();
  auto none = http_request(port(), "POST", "/api/replay", "x");
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer");
  EXPECT_EQ(
      http_request(port(), "POST", "/api/replay", "x", {{"Authorization", "Bearer wrong"}}).status,
      401u);
  EXPECT_EQ(http_request(port(), "POST", "/api/replay", "x", kAuth).status, 202u);
  // Reads need none.
  EXPECT_EQ(http_get(port(), "/api/status").status, 200u);
}

TEST_F(HttpServerTest, ForeignHostIs421AndCrossOriginWriteIs403) {
  start();
  const std::string self = "127.0.0.1:" + std::to_string(port());
  EXPECT_EQ(http_request(port(), "GET", "/api/status", "",
                         {{"Host", "rebound.example:" + std::to_string(port())}})
                .status,
            421u);
  auto headers = kAuth;
  headers.emplace_back("Host", self);
  headers.emplace_back("Origin", "http://attacker.example");
  EXPECT_EQ(http_request(port(), "POST", "/api/replay", "x", headers).status, 403u);
  headers.back().second = "http://" + self;
  EXPECT_EQ(http_request(port(), "POST", "/api/replay", "x", headers).status, 202u);
}

// The handler waits on another thread; meanwhile the only I/O thread serves others.
TEST_F(HttpServerTest, AsyncHandlerLeavesTheIoThreadFree) {
  asio::thread_pool pool(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> entered{false};
  start({}, [&](Router& r) {
    r.post_async("/api/slow", [&pool, released, &entered](Request) {
      return reply_when_released(pool, released, &entered);
    });
  });
  testing::HttpReply slow;
  std::thread client([&] { slow = http_request(port(), "POST", "/api/slow", "", kAuth); });
  ASSERT_TRUE(wait_until([&] { return entered.load(); }, 5s));
  EXPECT_EQ(http_get(port(), "/healthz").status, 200u);
  release.set_value();
  client.join();
  EXPECT_EQ(slow.status, 200u);
  EXPECT_EQ(slow.body, "released\n");
  pool.join();
}

TEST_F(HttpServerTest, EventStreamSendsJsonEventsThenEnds) {
  start();
  testing::HttpConnection conn(port());
  std::string out =
      conn.send_and_read_until("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "\n\n", 4);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  size_t body = out.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(out.substr(body + 4),
            "data: {\"tick\":1}\n\ndata: {\"tick\":2}\n\ndata: {\"tick\":3}\n\n");
  EXPECT_TRUE(conn.closed_by_server());
  EXPECT_EQ(sse_ticks_.load(), 3);
}

TEST_F(HttpServerTest, StopClosesOpenConnectionsAndStreams) {
  start();
  testing::HttpConnection idle(port());
  EXPECT_EQ(idle.request("GET", "/healthz").status, 200u);
  testing::HttpConnection stream(port());
  std::string first =
      stream.send_and_read_until("GET /api/forever HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "\n\n", 1);
  EXPECT_NE(first.find("data: {}\n\n"), std::string::npos) << first;
  server_->stop();
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_TRUE(stream.closed_by_server());
  thread_.join();  // would hang if a coroutine survived stop()
}

TEST_F(HttpServerTest, BindFailureIsAnError) {
  start();
  ServerOptions taken;
  taken.port = port();
  asio::io_context other;
  HttpServer second(other, taken);
  auto r = second.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::address_in_use);
  ServerOptions bad;
  bad.address = "not-an-address";
  HttpServer third(other, bad);
  EXPECT_FALSE(third.start());
}

}  // namespace
}  // namespace ferry::http
