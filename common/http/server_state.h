#pragma once
// Internal to common/http: what HttpServer, its acceptor coroutine and its connection
// coroutines share. Held by shared_ptr so coroutines outlive a destroyed HttpServer.

#include <atomic>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <boost/beast/core/tcp_stream.hpp>

#include "common/http/access_policy.h"
#include "common/http/http_server.h"
#include "common/http/router.h"
#include "common/net/asio.h"

namespace ferry::http {

// One client connection. Everything in it is used on the stream's strand only.
struct Connection {
  explicit Connection(tcp::socket socket)
      : stream(std::move(socket)), timer(stream.get_executor()) {}

  boost::beast::tcp_stream stream;
  asio::steady_timer timer;  // event-stream ticks
};

struct ServerState {
  ServerState(asio::io_context& io, ServerOptions opts, const metrics::Registry* reg)
      : options(std::move(opts)), registry(reg), acceptor(asio::make_strand(io)) {}

  // Registers a new connection from `peer`; false once stopping (the caller then drops
  // it) or when over max_connections or max_connections_per_ip.
  bool add(const std::shared_ptr<Connection>& conn, const asio::ip::address& peer);
  void remove(const Connection* conn);
  // Sets stopping, closes the acceptor and every registered connection, each on its
  // own strand.
  void stop();

  const ServerOptions options;
  Router router;                       // read-only once started
  std::optional<AccessPolicy> access;  // set by start(), read-only afterwards
  const metrics::Registry* registry;
  tcp::acceptor acceptor;  // used on its strand only
  std::atomic<bool> stopping{false};

 private:
  std::mutex mu_;
  struct Entry {
    std::weak_ptr<Connection> conn;
    asio::ip::address peer;
  };
  std::map<const Connection*, Entry> connections_;
  std::map<asio::ip::address, size_t> per_peer_;
};

// co_spawn completion handler: logs an exception that escaped a coroutine instead of
// dropping it silently.
struct LogCoroutineException {
  const char* what;
  void operator()(std::exception_ptr e) const;
};

// Serves one connection until it closes, errs, times out, or the server stops.
asio::awaitable<void> run_session(tcp::socket socket, std::shared_ptr<ServerState> state);

}  // namespace ferry::http
