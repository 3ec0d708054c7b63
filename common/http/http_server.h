#pragma once
// HttpServer: a small HTTP/1.1 server for dashboards, JSON APIs, /metrics and /healthz
// (DESIGN §11). Plain HTTP; admin routes add their own authentication.
//
// Lifecycle: construct, add routes through routes(), start() (binds and listens; port 0
// picks a free port, read it back with port()), and later stop(). The caller owns the
// io_context and runs it on as many threads as it likes.
//
// Threading: the acceptor runs on its own strand; each connection is one coroutine on
// its own strand, so a connection's handlers run one at a time, but handlers of
// different connections may run concurrently (see Handler). stop() may be called from
// any thread: it closes the listener and every open connection (streams included) and
// returns at once; the coroutines end on the io_context shortly after. The server's
// shared state lives until the last of them ends, so destroying HttpServer early is safe.
//
// Limits: each request must arrive within read_timeout (also the keep-alive idle limit),
// with headers up to max_header_bytes (else 431) and a body up to max_body_bytes (else
// 413); both close the connection. Over max_connections, new connections are closed.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/http/router.h"
#include "common/net/asio.h"

namespace ferry::metrics {
class Registry;
}

namespace ferry::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  uint32_t max_header_bytes = 16 * 1024;
  uint64_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  size_t max_connections = 256;
};

struct ServerState;

class HttpServer {
 public:
  // Adds GET /healthz ("ok") and, when `registry` is set, GET /metrics rendering it.
  // `registry` must outlive the server's coroutines.
  HttpServer(asio::io_context& io, ServerOptions options,
             const metrics::Registry* registry = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Add routes before start().
  Router& routes();

  // Binds and starts accepting. Fails with the bind/listen error (address in use, bad
  // address) instead of throwing.
  Result<void> start();
  // The bound port (the real one when options.port was 0); 0 before start().
  uint16_t port() const { return port_; }
  void stop();

 private:
  asio::io_context& io_;
  std::shared_ptr<ServerState> state_;
  uint16_t port_ = 0;
  bool started_ = false;
};

}  // namespace ferry::http
