#include "common/http/http_server.h"

#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/http/server_state.h"
#include "common/metrics/prometheus_text.h"
#include "common/metrics/registry.h"

namespace ferry::http {
namespace {

using boost::system::error_code;

asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> state) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer backoff(executor);
  while (!state->stopping.load()) {
    error_code ec;
    // Each connection gets its own strand; any_io_executor keeps the socket type plain
    // tcp::socket.
    asio::any_io_executor conn_executor = asio::make_strand(state->acceptor.get_executor());
    tcp::socket socket = co_await state->acceptor.async_accept(
        conn_executor, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) break;
      // Out of descriptors and the like: log, breathe, retry rather than spin.
      spdlog::warn("http: accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto session_executor = socket.get_executor();
    asio::co_spawn(session_executor, run_session(std::move(socket), state),
                   LogCoroutineException{"http session"});
  }
}

}  // namespace

void LogCoroutineException::operator()(std::exception_ptr e) const {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("{}: uncaught exception: {}", what, ex.what());
  } catch (...) {
    spdlog::error("{}: uncaught non-exception", what);
  }
}

bool ServerState::add(const std::shared_ptr<Connection>& conn, const asio::ip::address& peer) {
  std::lock_guard lock(mu_);
  if (stopping.load()) return false;
  if (connections_.size() >= options.max_connections) {
    spdlog::warn("http: refusing connection from {}: {} open", peer.to_string(),
                 connections_.size());
    return false;
  }
  size_t& from_peer = per_peer_[peer];
  if (from_peer >= options.max_connections_per_ip) {
    spdlog::debug("http: refusing connection from {}: {} open from there", peer.to_string(),
                  from_peer);
    return false;
  }
  ++from_peer;
  connections_.emplace(conn.get(), Entry{conn, peer});
  return true;
}

void ServerState::remove(const Connection* conn) {
  std::lock_guard lock(mu_);
  auto it = connections_.find(conn);
  if (it == connections_.end()) return;
  auto peer = per_peer_.find(it->second.peer);
  if (peer != per_peer_.end() && --peer->second == 0) per_peer_.erase(peer);
  connections_.erase(it);
}

void ServerState::stop() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mu_);
    stopping.store(true);
    for (auto& [ptr, entry] : connections_) {
      if (auto conn = entry.conn.lock()) open.push_back(std::move(conn));
    }
  }
  // Sockets and timers are touched only on their own strands.
  asio::post(acceptor.get_executor(), [this] {
    error_code ec;
    acceptor.close(ec);
  });
  for (auto& conn : open) {
    auto executor = conn->stream.get_executor();
    asio::post(executor, [conn = std::move(conn)] {
      conn->timer.cancel();
      conn->stream.close();
    });
  }
}

HttpServer::HttpServer(asio::io_context& io, ServerOptions options,
                       const metrics::Registry* registry)
    : io_(io), state_(std::make_shared<ServerState>(io, std::move(options), registry)) {
  state_->router.get("/healthz", [](const Request&) { return Response::text("ok\n"); });
  if (registry != nullptr) {
    state_->router.get("/metrics", [registry](const Request&) {
      return Response{200, std::string(metrics::kPrometheusContentType), registry->render(), {}};
    });
  }
}

HttpServer::~HttpServer() {
  if (started_) stop();
}

Router& HttpServer::routes() { return state_->router; }

Result<void> HttpServer::start() {
  FERRY_RELEASE_ASSERT(!started_);
  error_code ec;
  auto address = asio::ip::make_address(state_->options.address, ec);
  if (ec) return std::error_code(ec);
  tcp::endpoint endpoint(address, state_->options.port);
  tcp::acceptor& acceptor = state_->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) return std::error_code(ec);
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return std::error_code(ec);
  }
  if (acceptor.bind(endpoint, ec); ec) return std::error_code(ec);
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return std::error_code(ec);
  }
  port_ = acceptor.local_endpoint(ec).port();
  if (ec) return std::error_code(ec);
  state_->access.emplace(state_->options, port_);
  started_ = true;
  asio::co_spawn(acceptor.get_executor(), accept_loop(state_),
                 LogCoroutineException{"http accept loop"});
  spdlog::info("http: listening on {}:{}", state_->options.address, port_);
  return success();
}

void HttpServer::stop() { state_->stop(); }

}  // namespace ferry::http
