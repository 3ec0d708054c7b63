#include "tests/support/frame_connection_pair.h"

#include <gtest/gtest.h>

#include "common/tls/tls_context.h"
#include "tests/support/test_pki.h"

namespace ferry::testing {
namespace {

constexpr uint32_t kMaxFrame = 1 << 20;
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

}  // namespace

std::vector<FrameConnectionPair> make_frame_connection_pairs(asio::io_context& io, int count) {
  return make_frame_connection_pairs(io, count, tls::RoleClaim::broker("dc1", "broker-1"),
                                     tls::RoleClaim::agent("h1"));
}

std::vector<FrameConnectionPair> make_frame_connection_pairs(asio::io_context& io, int count,
                                                             const tls::RoleClaim& server,
                                                             const tls::RoleClaim& client) {
  TestPki pki({server, client});
  auto server_ctx = tls::make_server_context(pki.options(server.id));
  auto client_ctx = tls::make_client_context(pki.options(client.id));
  if (!server_ctx || !client_ctx) {
    ADD_FAILURE() << "TLS contexts: "
                  << (server_ctx ? client_ctx.error().text : server_ctx.error().text);
    return {};
  }
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::vector<FrameConnectionPair> pairs;
  for (int i = 0; i < count; ++i) {
    FrameConnectionPair pair;
    std::error_code server_ec, client_ec;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          net::TlsStream stream(co_await acceptor.async_accept(asio::use_awaitable),
                                *server_ctx.value());
          server_ec =
              co_await net::handshake(stream, asio::ssl::stream_base::server, kHandshakeTimeout);
          pair.server = std::make_shared<net::FrameConnection>(std::move(stream), kMaxFrame);
        },
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          net::TlsStream stream(io, *client_ctx.value());
          co_await stream.next_layer().async_connect(acceptor.local_endpoint(),
                                                     asio::use_awaitable);
          client_ec =
              co_await net::handshake(stream, asio::ssl::stream_base::client, kHandshakeTimeout);
          pair.client = std::make_shared<net::FrameConnection>(std::move(stream), kMaxFrame);
        },
        asio::detached);
    io.restart();
    // Until both sides are done (run_for alone would wait out the whole timeout).
    while ((!pair.server || !pair.client) && io.run_one_for(kHandshakeTimeout) > 0) {}
    if (!pair.server || !pair.client || server_ec || client_ec) {
      ADD_FAILURE() << "pair " << i << ": " << server_ec.message() << " / " << client_ec.message();
      return pairs;
    }
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

FrameInbox::FrameInbox(std::shared_ptr<net::FrameConnection> conn)
    : state_(std::make_shared<State>()) {
  asio::co_spawn(
      conn->executor(),
      [conn, state = state_]() -> asio::awaitable<void> {
        while (true) {
          auto f = co_await conn->read_frame();
          if (!f) break;
          state->frames.push_back(std::move(f).value());
        }
        state->ended = true;
      },
      asio::detached);
}

std::vector<wire::Frame> FrameInbox::take() { return std::exchange(state_->frames, {}); }

void run_for(asio::io_context& io, std::chrono::milliseconds window) {
  io.restart();
  io.run_for(window);
}

}  // namespace ferry::testing
