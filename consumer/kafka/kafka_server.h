#pragma once
// The Kafka listener: TLS (net::TlsServer accepts, limits and handshakes), then per
// connection the Kafka framing (a 4-byte big-endian size, then the request) handed to
// KafkaService. Requests on a connection are answered one at a time, in order, so a
// connection holds at most one request (max_request_bytes) and one response (a Fetch's
// records are at most KafkaServiceOptions::max_fetch_bytes, or one batch).
//
// A peer is served only if its verified certificate passes `authorize`; refused peers,
// oversized requests, unknown APIs and malformed requests close the connection with a
// log line naming the peer. A connection with no request for idle_timeout, or that does
// not take its response within it, is closed.
//
// Waiting Fetches sleep until notify_appended() names one of their topics, or until
// their max_wait. JoinGroup and SyncGroup sleep until the rebalance completes.
//
// Threading: everything runs on `executor`, which must run on one thread (it may be an
// io_context with one thread, or a strand), the one the KafkaService is called on.
// notify_appended() may be called from any thread; it only posts. The server must
// outlive its executor's pending work: stop_accepting(), then stop the io thread, then
// destroy.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/net/asio.h"
#include "common/net/server_limits.h"
#include "common/net/socket_tuning_options.h"
#include "common/net/tls_server.h"
#include "common/net/tls_stream.h"
#include "common/tls/context_source.h"
#include "common/tls/peer_identity.h"
#include "consumer/kafka/kafka_service.h"

namespace ferry::consumer::kafka {

struct KafkaServerOptions {
  // Clients send small requests (a Fetch names its topics); anything larger is refused.
  size_t max_request_bytes = size_t{1} << 20;
  // Kafka's connections.max.idle.ms default: clients keep idle connections open.
  std::chrono::milliseconds idle_timeout{600'000};
  // How often group sessions and rebalance timeouts are checked.
  std::chrono::milliseconds tick_interval{100};
  net::SocketTuning tuning;
  net::ServerLimits limits;
};

// A connected subscriber, for the dashboard and /metrics.
struct SubscriberView {
  std::string name;    // its certificate's ferry://subscriber/ name (else its CN)
  std::string remote;  // address:port
  struct Position {
    int64_t offset = 0;         // the offset its last Fetch asked for
    int64_t last_fetch_ms = 0;  // wall clock
  };
  std::map<std::string, Position> positions;  // by topic
};

class KafkaServer {
 public:
  using Authorize = std::function<bool(const tls::PeerIdentity&)>;

  KafkaServer(asio::any_io_executor executor, std::shared_ptr<tls::ContextSource> tls,
              KafkaService& service, Authorize authorize, KafkaServerOptions options = {});
  ~KafkaServer();

  // Binds and listens; port 0 picks a free port (read it back with port()).
  std::error_code listen(const std::string& address, uint16_t port);
  uint16_t port() const { return listener_.port(); }
  void start();
  // Closes the listener and stops the tick; open connections end with their peers.
  void stop_accepting();

  // Wakes the Fetches waiting on `topic`. Any thread; does not block.
  void notify_appended(std::string topic);
  // Every connected subscriber and where it reads. Any thread.
  std::vector<SubscriberView> subscribers() const;

 private:
  using Waker = asio::steady_timer;

  static asio::awaitable<void> serve(KafkaServer* self, net::TlsStream stream, std::string remote);
  static asio::awaitable<void> tick_loop(KafkaServer* self);
  // Answers one request, waiting as its Reply asks; false: close the connection.
  asio::awaitable<bool> answer(const std::string& request, const std::string& remote,
                               std::string& response, uint64_t subscriber);
  void wake(const std::string& topic);

  asio::any_io_executor executor_;
  KafkaService& service_;
  Authorize authorize_;
  KafkaServerOptions options_;
  net::TlsServer listener_;
  asio::steady_timer tick_timer_;
  bool stopped_ = false;
  // Fetches waiting for appends, by topic. Entries of finished waits expire.
  std::map<std::string, std::vector<std::weak_ptr<Waker>>, std::less<>> waiting_;
  mutable std::mutex subscribers_mu_;  // read by the HTTP thread
  std::map<uint64_t, SubscriberView> subscribers_;
  uint64_t next_subscriber_ = 1;
};

}  // namespace ferry::consumer::kafka
