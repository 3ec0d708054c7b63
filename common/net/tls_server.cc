#include "common/net/tls_server.h"

#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include "common/base/memory_release.h"
#include "common/net/backoff.h"
#include "common/tls/crl_file.h"

namespace ferry::net {
namespace {

// Descriptors kept for everything that is not a peer: RocksDB's files, the HTTP
// listener and its clients, outgoing links, logs.
constexpr size_t kReservedDescriptors = 1024;

}  // namespace

void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("coroutine failed: {}", ex.what());
  }
}

TlsServer::TlsServer(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
                     SocketTuning tuning, uint32_t max_frame_body, std::string name,
                     ServerLimits limits)
    : TlsServer(executor, std::make_shared<tls::ContextSource>(std::move(tls)), std::move(tuning),
                max_frame_body, std::move(name), limits) {}

TlsServer::TlsServer(asio::any_io_executor executor, std::shared_ptr<tls::ContextSource> tls,
                     SocketTuning tuning, uint32_t max_frame_body, std::string name,
                     ServerLimits limits)
    : executor_(executor),
      tls_(std::move(tls)),
      tuning_(std::move(tuning)),
      max_frame_body_(max_frame_body),
      name_(std::move(name)),
      limits_(limits),
      gate_(limits.max_connections, limits.max_connections_per_address),
      acceptor_(executor),
      trim_timer_(executor) {}

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
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
    size_t room = nofile.rlim_cur > kReservedDescriptors * 2
                      ? nofile.rlim_cur - kReservedDescriptors
                      : nofile.rlim_cur / 2;
    if (gate_.max_total() > room) {
      spdlog::info(
          "{}: at most {} connections, to fit the open-file limit ({}); max_connections is {}",
          name_, room, nofile.rlim_cur, gate_.max_total());
      gate_.set_max_total(room);
    }
  }
  return {};
}

void TlsServer::start(Session session) {
  session_ = std::move(session);
  asio::co_spawn(executor_, accept_loop(this), log_exception);
}

void TlsServer::start_streams(StreamSession session) {
  stream_session_ = std::move(session);
  asio::co_spawn(executor_, accept_loop(this), log_exception);
}

void TlsServer::stop_accepting() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> TlsServer::accept_loop(TlsServer* self) {
  // EMFILE and friends: the pending connection stays queued, so retrying at once would
  // spin. Back off, doubling up to a second, until descriptors free up.
  Backoff backoff(std::chrono::milliseconds(10), std::chrono::seconds(1));
  while (self->acceptor_.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await self->acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!self->acceptor_.is_open()) break;
      size_t held_back = 0;
      if (self->accept_error_log_.allow(held_back)) {
        spdlog::warn("{}: accept failed: {}{}; backing off", self->name_, ec.message(),
                     log::LogThrottle::held_back_note(held_back));
      }
      asio::steady_timer t(self->executor_, backoff.next());
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    backoff.reset();
    boost::system::error_code ep_ec;
    auto remote = socket.remote_endpoint(ep_ec);
    if (ep_ec) continue;  // already gone; the socket closes here
    std::string why;
    auto pass = self->gate_.admit(remote.address(), why);
    if (!pass) {
      self->refuse(socket, why);
      continue;
    }
    asio::co_spawn(self->executor_, handshake_then_run(self, std::move(socket), std::move(*pass)),
                   log_exception);
  }
}

void TlsServer::refuse(tcp::socket& socket, const std::string& why) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  size_t held_back = 0;
  if (refusal_log_.allow(held_back)) {
    spdlog::warn("{}: refusing connection from {}: {}{}", name_,
                 ec ? std::string("?") : remote.address().to_string(), why,
                 log::LogThrottle::held_back_note(held_back));
  }
  // No TLS yet, so no ERROR frame: a reset tells the peer at once.
  socket.set_option(asio::socket_base::linger(true, 0), ec);
  socket.close(ec);
}

void TlsServer::trim_after_close() {
  if (trim_pending_) return;
  trim_pending_ = true;
  trim_timer_.expires_after(std::chrono::seconds(1));
  trim_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // the server is going
    trim_pending_ = false;
    release_free_memory_now();
  });
}

asio::awaitable<void> TlsServer::handshake_then_run(TlsServer* self, tcp::socket socket,
                                                    ConnectionGate::Pass pass) {
  (void)apply_tuning(socket, self->tuning_);
  boost::system::error_code ep_ec;
  auto remote = socket.remote_endpoint(ep_ec);
  const ServerLimits limits = self->limits_;
  const auto context = self->tls_->current();  // this connection's, for its whole life
  TlsStream stream(std::move(socket), *context);
  auto ec = co_await handshake(stream, asio::ssl::stream_base::server, limits.handshake_timeout);
  size_t held_back = 0;
  if (ec && self->handshake_log_.allow(held_back)) {
    const std::string why = tls::peer_verify_failure(stream.native_handle());
    spdlog::warn("{}: TLS handshake with {} failed: {}{}{}", self->name_,
                 ep_ec ? std::string("?") : remote.address().to_string(), ec.message(),
                 why.empty() ? "" : " (" + why + ")", log::LogThrottle::held_back_note(held_back));
  }
  if (ec) {
    self->trim_after_close();
    co_return;
  }
  if (self->stream_session_) {
    // Named, not a temporary in the co_await: g++ 12 destroys a conditional's temporaries
    // twice there.
    std::string peer = ep_ec ? std::string("?") : remote.address().to_string();
    co_await self->stream_session_(std::move(stream), std::move(peer));
    self->trim_after_close();
    co_return;
  }
  auto conn = std::make_shared<FrameConnection>(std::move(stream), self->max_frame_body_);
  conn->limit_queue(limits.max_write_queue_bytes);
  conn->watch_reads(limits.hello_timeout, limits.idle_timeout);
  co_await self->session_(conn);
  conn.reset();
  self->trim_after_close();
}

asio::awaitable<Result<std::shared_ptr<FrameConnection>>> connect_tls(
    asio::any_io_executor executor, asio::ssl::context& tls, const std::string& host, uint16_t port,
    const SocketTuning& tuning, uint32_t max_frame_body, std::chrono::milliseconds timeout) {
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
  co_await socket.async_connect(results.begin()->endpoint(),
                                asio::redirect_error(asio::use_awaitable, ec));
  *state = true;
  watchdog.cancel();
  if (ec) co_return std::error_code(ec);
  TlsStream stream(std::move(socket), tls);
  auto hs = co_await handshake(stream, asio::ssl::stream_base::client, timeout);
  if (hs) {
    const std::string why = tls::peer_verify_failure(stream.native_handle());
    if (!why.empty())
      spdlog::warn("TLS handshake with {}:{} failed: server certificate: {}", host, port, why);
    co_return hs;
  }
  co_return std::make_shared<FrameConnection>(std::move(stream), max_frame_body);
}

}  // namespace ferry::net
