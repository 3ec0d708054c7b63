#pragma once
// HttpServer: a small HTTP/1.1 server for dashboards, JSON APIs, /metrics and /healthz
// (DESIGN §11). Plain HTTP; write routes need the admin token.
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
// Limits: a request's headers must arrive within header_timeout (also the keep-alive
// idle limit) and be at most max_header_bytes (else 431), its body within read_timeout
// and at most max_body_bytes (else 413); both close the connection. Over
// max_connections, or max_connections_per_ip from one address, new connections are
// closed at once.
//
// Access (AccessPolicy): a Host the server does not answer to is 421; a write route
// (POST) needs `Authorization: Bearer <admin_token>` (401 without, 403 when no token is
// configured) and, from a browser, a same-origin Origin (else 403).

#include <cstdint>
#include <memory>

#include "common/base/result.h"
#include "common/http/router.h"
#include "common/http/server_options.h"
#include "common/net/asio.h"

namespace ferry::metrics {
class Registry;
}

namespace ferry::http {

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
