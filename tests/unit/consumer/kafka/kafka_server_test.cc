#include "consumer/kafka/kafka_server.h"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "common/net/frame_connection.h"
#include "common/tls/tls_context.h"
#include "tests/fakes/fake_live_log.h"
#include "tests/support/test_pki.h"
#include "tests/unit/consumer/kafka/kafka_requests.h"

namespace ferry::consumer::kafka {
namespace {

using namespace std::chrono_literals;
using test_client::fetch_body;
using test_client::request;
using test_client::Response;

// What a client saw: the response to its one request, or that the server closed.
struct Exchange {
  std::optional<std::string> response;
  bool closed = false;
  bool done = false;
};

std::string framed(const std::string& body) {
  std::string out;
  WireWriter(out).i32(static_cast<int32_t>(body.size()));
  return out + body;
}

asio::awaitable<void> exchange(tcp::endpoint server, std::shared_ptr<asio::ssl::context> tls,
                               std::string bytes, Exchange* seen) {
  net::TlsStream stream(co_await asio::this_coro::executor, *tls);
  boost::system::error_code ec;
  co_await stream.next_layer().async_connect(server, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    const std::error_code hs = co_await net::handshake(stream, asio::ssl::stream_base::client, 5s);
    if (hs) ec = asio::error::connection_aborted;
  }
  if (!ec) {
    co_await asio::async_write(stream, asio::buffer(bytes),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  char size[4];
  if (!ec) {
    co_await asio::async_read(stream, asio::buffer(size),
                              asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!ec) {
    std::string body(static_cast<size_t>(WireReader(std::string_view(size, 4)).i32()), '\0');
    co_await asio::async_read(stream, asio::buffer(body),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) seen->response = std::move(body);
  }
  seen->closed = static_cast<bool>(ec);
  seen->done = true;
}

class KafkaServerTest : public ::testing::Test {
 protected:
  KafkaServerTest()
      : pki_({tls::RoleClaim::consumer("kafka-server"), tls::RoleClaim::agent("subscriber")}) {}

  void SetUp() override {
    auto server_tls = tls::make_server_context(pki_.options("kafka-server"));
    auto client_tls = tls::make_client_context(pki_.options("subscriber"));
    ASSERT_TRUE(server_tls && client_tls);
    client_tls_ = client_tls.value();
    log_.append("app", {"one", "two"});
    server_ = std::make_unique<KafkaServer>(
        io_.get_executor(), std::make_shared<tls::ContextSource>(server_tls.value()), service_,
        [this](const tls::PeerIdentity& peer) {
          return authorize_ && peer.common_name == "subscriber";
        });
    ASSERT_FALSE(server_->listen("127.0.0.1", 0));
    server_->start();
  }

  // Sends `bytes` on a new connection and runs the io_context until the first answer
  // or the close (at most 10 s).
  Exchange send(const std::string& bytes) {
    Exchange seen;
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server_->port());
    asio::co_spawn(io_, exchange(ep, client_tls_, bytes, &seen), net::log_exception);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!seen.done && std::chrono::steady_clock::now() < deadline) io_.run_one_for(50ms);
    EXPECT_TRUE(seen.done);
    return seen;
  }

  testing::TestPki pki_;
  testing::FakeLiveLog log_;
  testing::FakeGroupOffsets offsets_;
  asio::io_context io_;
  KafkaService service_{log_, offsets_, SystemClock::instance(), {}};
  std::shared_ptr<asio::ssl::context> client_tls_;
  std::unique_ptr<KafkaServer> server_;
  bool authorize_ = true;
};

TEST_F(KafkaServerTest, AnswersARequestWithItsCorrelationId) {
  Exchange seen = send(framed(request(18, 2)));
  ASSERT_TRUE(seen.response);
  Response r(*seen.response);
  EXPECT_EQ(r.i32(), 77);
  EXPECT_EQ(r.i16(), 0);
}

TEST_F(KafkaServerTest, ClosesOnARequestOverTheSizeLimit) {
  std::string oversized;
  WireWriter(oversized).i32(2 << 20);
  oversized += request(18, 2);
  Exchange seen = send(oversized);
  EXPECT_TRUE(seen.closed);
  EXPECT_FALSE(seen.response);
}

TEST_F(KafkaServerTest, ClosesOnANegativeSize) {
  std::string negative;
  WireWriter(negative).i32(-4);
  EXPECT_TRUE(send(negative).closed);
}

TEST_F(KafkaServerTest, ClosesOnAnUnknownApiKey) {
  Exchange seen = send(framed(request(57, 0)));
  EXPECT_TRUE(seen.closed);
  EXPECT_FALSE(seen.response);
}

TEST_F(KafkaServerTest, ClosesOnATruncatedRequest) {
  const std::string full = request(1, 11, fetch_body(11, 0));
  Exchange seen = send(framed(full.substr(0, full.size() - 3)));
  EXPECT_TRUE(seen.closed);
}

TEST_F(KafkaServerTest, RefusesAPeerTheCallbackRefuses) {
  authorize_ = false;
  Exchange seen = send(framed(request(18, 2)));
  EXPECT_TRUE(seen.closed);
  EXPECT_FALSE(seen.response);
}

TEST_F(KafkaServerTest, AppendWakesAWaitingFetchBeforeItsMaxWait) {
  // A Fetch at the end waits up to 500 ms (fetch_body's max_wait); this one is made to
  // wait 20 s, and the append from another thread must end the wait long before.
  std::string fetch = request(1, 11, fetch_body(11, 2));
  const size_t max_wait_at = 2 + 2 + 4 + 2 + 11 + 4;  // header, then replica_id
  std::string wait;
  WireWriter(wait).i32(20'000);
  fetch.replace(max_wait_at, 4, wait);
  std::thread appender([this] {
    std::this_thread::sleep_for(100ms);
    log_.append("app", {"three"});
    server_->notify_appended("app");
  });
  const auto start = std::chrono::steady_clock::now();
  Exchange seen = send(framed(fetch));
  appender.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_TRUE(seen.response);
  EXPECT_NE(seen.response->find("three"), std::string::npos);
}

}  // namespace
}  // namespace ferry::consumer::kafka
