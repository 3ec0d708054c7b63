#pragma once
// Accepts TCP connections, applies socket tuning, completes the TLS handshake (with a
// deadline) and hands each authenticated connection to a session coroutine. Handshake
// failures (no client certificate, wrong CA) are logged with the peer address and the
// connection dropped; they never reach the session.
//
// ServerLimits bound what peers can hold: a connection over the global or per-address
// cap is closed before its handshake, and each session's FrameConnection gets the write
// queue cap and the HELLO and idle timeouts. Refusals are logged, throttled to a line a
// second per listener. accept() failing (EMFILE) backs off up to a second, never spins.
//
// Connections that end leave their memory in glibc's free lists, so a broker that once
// held thousands would stay at that size: a second after the first of a run of ends the
// heap is trimmed (malloc_trim), and again a second after the next.
//
// Two-phase shutdown: stop_accepting() closes the listener; sessions are drained by
// their owner.
//
// Each accepted connection takes the context its ContextSource holds at that moment, so
// a SIGHUP reload reaches new connections while open ones go on.

#include <functional>
#include <memory>

#include "common/log/log_throttle.h"
#include "common/net/asio.h"
#include "common/net/connection_gate.h"
#include "common/net/frame_connection.h"
#include "common/net/server_limits.h"
#include "common/net/socket_tuning.h"
#include "common/tls/context_source.h"

namespace ferry::net {

class TlsServer {
 public:
  using Session = std::function<asio::awaitable<void>(std::shared_ptr<FrameConnection>)>;
  // For protocols with their own framing (Kafka): the handshaken stream and the peer's
  // address. Such sessions apply their own timeouts; max_frame_body is unused.
  using StreamSession = std::function<asio::awaitable<void>(TlsStream, std::string remote)>;

  TlsServer(asio::any_io_executor executor, std::shared_ptr<tls::ContextSource> tls,
            SocketTuning tuning, uint32_t max_frame_body, std::string name,
            ServerLimits limits = {});
  // A context that never changes.
  TlsServer(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
            SocketTuning tuning, uint32_t max_frame_body, std::string name,
            ServerLimits limits = {});

  // Binds and listens; port 0 picks a free port (read it back with port()). Lowers the
  // connection cap to what RLIMIT_NOFILE leaves, with a warning, if it is above that.
  std::error_code listen(const std::string& address, uint16_t port);
  uint16_t port() const { return port_; }

  // Starts the accept loop; each session runs as its own coroutine.
  void start(Session session);
  void start_streams(StreamSession session);
  void stop_accepting();

 private:
  static asio::awaitable<void> accept_loop(TlsServer* self);
  static asio::awaitable<void> handshake_then_run(TlsServer* self, tcp::socket socket,
                                                  ConnectionGate::Pass pass);
  void refuse(tcp::socket& socket, const std::string& why);
  void trim_after_close();

  asio::any_io_executor executor_;
  std::shared_ptr<tls::ContextSource> tls_;
  SocketTuning tuning_;
  uint32_t max_frame_body_;
  std::string name_;
  ServerLimits limits_;
  ConnectionGate gate_;
  log::LogThrottle refusal_log_;
  log::LogThrottle accept_error_log_;
  log::LogThrottle handshake_log_;
  tcp::acceptor acceptor_;
  asio::steady_timer trim_timer_;
  bool trim_pending_ = false;
  uint16_t port_ = 0;
  Session session_;
  StreamSession stream_session_;
};

// Connects to host:port, tunes the socket, completes the TLS handshake; both steps
// bounded by `timeout`.
asio::awaitable<Result<std::shared_ptr<FrameConnection>>> connect_tls(
    asio::any_io_executor executor, asio::ssl::context& tls, const std::string& host, uint16_t port,
    const SocketTuning& tuning, uint32_t max_frame_body, std::chrono::milliseconds timeout);

// Logs the exception of a finished coroutine; the completion handler for co_spawn.
void log_exception(std::exception_ptr e);

}  // namespace ferry::net
