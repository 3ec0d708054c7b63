#pragma once
// The agent's connection to a broker of its DC. Tries the configured brokers in turn
// (failover), reconnecting with exponential backoff and jitter. On every new
// connection it resends the whole in-flight window, in order: resending is safe because
// brokers and the consumer deduplicate by (host, category, seq). STORED and DELIVERED
// acks update the window; DELIVERED batches are handed to the owner.
//
// Runs on the agent's io thread.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/send/inflight_window.h"
#include "common/net/asio.h"
#include "common/net/frame_connection.h"
#include "common/net/socket_tuning.h"
#include "common/tls/context_source.h"
#include "common/wire/messages.h"

namespace ferry::agent::send {

struct BrokerLinkOptions {
  std::string host;  // our identity, as the certificate names it
  std::string dc;
  std::vector<std::string> brokers;  // host:port
  net::SocketTuning tuning;
  uint32_t max_frame_bytes = wire::kDefaultMaxFrameBody;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
};

class BrokerLink {
 public:
  using DeliveredFn = std::function<void(std::vector<InflightBatch>)>;
  // A batch the broker refused for good (REFUSED): it leaves the window like a delivered one.
  using RefusedFn = std::function<void(std::vector<InflightBatch>, const wire::Refusal&)>;

  // Each dial takes tls.current(), so reloaded certificates reach the next connection.
  BrokerLink(asio::any_io_executor executor, tls::ContextSource& tls, BrokerLinkOptions options,
             InflightWindow& window, DeliveredFn on_delivered, RefusedFn on_refused);

  void start();
  void stop();
  // A new broker list (from discovery), best first. The connection stays where it is
  // while its broker is listed (a host sticks to its broker); otherwise it fails over.
  void set_brokers(std::vector<std::string> brokers);
  const std::vector<std::string>& brokers() const { return options_.brokers; }
  // Sends a batch just added to the window (no-op while disconnected: it goes out with
  // the resend on the next connection).
  void send_batch(const InflightBatch& batch);
  // STATUS and WATERMARK: best effort, dropped while disconnected (they are periodic).
  void send_side(std::string frame);
  bool connected() const { return conn_ && conn_->usable(); }
  // Bytes queued on the connection that the kernel has not taken yet.
  size_t unsent_bytes() const { return connected() ? conn_->queued_bytes() : 0; }
  // Calls `fn` once unsent_bytes() is below `low` (or the connection ends), on the io thread.
  void when_unsent_below(size_t low, std::function<void()> fn);
  // REPLAY and REPLAY_COMMITTED the broker relays (replay from the host's files), and the
  // end of each connection. Set before start().
  using ReplayFrameFn = std::function<void(const wire::Frame&)>;
  void on_replay_frames(ReplayFrameFn on_frame, std::function<void()> on_disconnected) {
    on_replay_frame_ = std::move(on_frame);
    on_disconnected_ = std::move(on_disconnected);
  }
  const std::string& current_broker() const { return current_; }
  uint64_t reconnects() const { return reconnects_; }

 private:
  static asio::awaitable<void> run(BrokerLink* self);
  asio::awaitable<void> serve(std::shared_ptr<net::FrameConnection> conn);

  asio::any_io_executor executor_;
  tls::ContextSource& tls_;
  BrokerLinkOptions options_;
  InflightWindow& window_;
  DeliveredFn on_delivered_;
  RefusedFn on_refused_;
  ReplayFrameFn on_replay_frame_;
  std::function<void()> on_disconnected_;
  std::shared_ptr<net::FrameConnection> conn_;
  std::string current_;
  bool stopped_ = false;
  size_t next_ = 0;  // index into options_.brokers of the next dial
  uint64_t reconnects_ = 0;
  std::unique_ptr<asio::steady_timer> sleep_;
  // when_unsent_below(): one waiter at a time, calling the newest callback.
  bool unsent_waiter_ = false;
  size_t unsent_low_ = 0;
  std::function<void()> on_unsent_below_;
};

}  // namespace ferry::agent::send
