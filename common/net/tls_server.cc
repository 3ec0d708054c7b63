#include "common/net/tls_server.h"

#include <spdlog/spdlog.h>

#include "common/tls/crl_file.h"

namespace ferry::net {

void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("coroutine failed: {}", ex.what());
  }
}

TlsServer::TlsServer(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
                     SocketTuning tuning, uint32_t max_frame_body, std::string name)
    : TlsServer(executor, std::make_shared<tls::ContextSource>(std::move(tls)), std::move(tuning), max_frame_body,
                std::move(name)) {}

TlsServer::TlsServer(asio::any_io_executor executor, std::shared_ptr<tls::ContextSource> tls,
                     SocketTuning tuning, uint32_t max_frame_body, std::string name)
    : executor_(executor),
      tls_(std::move(tls)),
      tuning_(std::move(tuning)),
      max_frame_body_(max_frame_body),
      name_(std::move(name)),
      acceptor_(executor) {}

std::error_code TlsServer::listen(const std::string& address, uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return ec;
  tcp::endpoint ep(addr, port);
  acceptor_.open(ep.protocol(), ec);
  if (ec) return ec;
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  acceptor_.bind(ep, ec);
  if (ec) return ec;
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  port_ = acceptor_.local_endpoint().port();
  return {};
}

void TlsServer::start(Session session) {
  session_ = std::move(session);
  asio::co_spawn(executor_, accept_loop(this), log_exception);
}

void TlsServer::stop_accepting() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> TlsServer::accept_loop(TlsServer* self) {
  while (self->acceptor_.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket = co_await self->acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!self->acceptor_.is_open()) break;
      spdlog::warn("{}: accept failed: {}", self->name_, ec.message());
      // EMFILE and friends: back off briefly instead of spinning.
      asio::steady_timer t(self->executor_, std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    asio::co_spawn(self->executor_, handshake_then_run(self, std::move(socket)), log_exception);
  }
}

asio::awaitable<void> TlsServer::handshake_then_run(TlsServer* self, tcp::socket socket) {
  (void)apply_tuning(socket, self->tuning_);
  boost::system::error_code ep_ec;
  auto remote = socket.remote_endpoint(ep_ec);
  const auto context = self->tls_->current();  // this connection's, for its whole life
  TlsStream stream(std::move(socket), *context);
  auto ec = co_await handshake(stream, asio::ssl::stream_base::server, std::chrono::seconds(10));
  if (ec) {
    const std::string why = tls::peer_verify_failure(stream.native_handle());
    spdlog::warn("{}: TLS handshake with {} failed: {}{}", self->name_,
                 ep_ec ? std::string("?") : remote.address().to_string(), ec.message(),
                 why.empty() ? "" : " (" + why + ")");
    co_return;
  }
  auto conn = std::make_shared<FrameConnection>(std::move(stream), self->max_frame_body_);
  co_await self->session_(conn);
}

asio::awaitable<Result<std::shared_ptr<FrameConnection>>> connect_tls(
    asio::any_io_executor executor, asio::ssl::context& tls, const std::string& host,
    uint16_t port, const SocketTuning& tuning, uint32_t max_frame_body,
    std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  tcp::resolver resolver(executor);
  auto results = co_await resolver.async_resolve(host, std::to_string(port),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return std::error_code(ec);
  tcp::socket socket(executor);
  // Tune before connecting so buffer sizes shape the TCP window from the SYN on.
  socket.open(results.begin()->endpoint().protocol(), ec);
  if (ec) co_return std::error_code(ec);
  (void)apply_tuning(socket, tuning);
  auto state = std::make_shared<bool>(false);  // set once connect finished
  asio::steady_timer watchdog(executor);
  watchdog.expires_after(timeout);
  watchdog.async_wait([state, &socket](boost::system::error_code wec) {
    if (!wec && !*state) {
      boost::system::error_code ignored;
      socket.close(ignored);
    }
  });
  co_await socket.async_connect(results.begin()->endpoint(), asio::redirect_error(asio::use_awaitable, ec));
  *state = true;
  watchdog.cancel();
  if (ec) co_return std::error_code(ec);
  TlsStream stream(std::move(socket), tls);
  auto hs = co_await handshake(stream, asio::ssl::stream_base::client, timeout);
  if (hs) {
    const std::string why = tls::peer_verify_failure(stream.native_handle());
    if (!why.empty()) spdlog::warn("TLS handshake with {}:{} failed: server certificate: {}", host, port, why);
    co_return hs;
  }
  co_return std::make_shared<FrameConnection>(std::move(stream), max_frame_body);
}

}  // namespace ferry::net
