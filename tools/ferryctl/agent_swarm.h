#pragma once
// Many agents' connections from one process, for `ferryctl bench hosts`: what a broker
// pays per connected host. Each connection is a host of its own, with its own
// certificate (ferry://agent/<host>): TCP, mTLS handshake, HELLO, one STATUS (so the
// host tables know it), then on send_batches() one BATCH, answered STORED; then it stays
// open, idle but for a HEARTBEAT every 10 s (brokers close a link silent for three).
//
// All connections run on one io_context, a coroutine each. At most `parallel` connect
// at once, so no handshake waits out the broker's handshake_timeout in its accept queue.
// To a loopback broker the connections come from 127.0.0.1, .2, ... with at most
// kPerSourceAddress each: a broker caps connections per address
// ([connections] max_connections_per_address), and hosts have addresses of their own.
//
// Threading: every member is called on the io_context's thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/net/asio.h"
#include "common/net/frame_connection.h"
#include "common/tls/cert_factory.h"

namespace ferry::ferryctl {

struct SwarmOptions {
  std::string broker_host = "127.0.0.1";
  uint16_t broker_port = 0;
  std::string dc;
  std::string ca_file;  // verifies the broker
  std::vector<std::string> hosts;
  std::vector<tls::PemIdentity> identities;  // one per host, same order
  size_t parallel = 64;
  std::chrono::milliseconds timeout{30'000};  // each connect and handshake, and the HELLO
};

class AgentSwarm {
 public:
  static constexpr size_t kPerSourceAddress = 1000;

  AgentSwarm(asio::io_context& io, SwarmOptions options);
  ~AgentSwarm();

  // Returns once every host connected (HELLO answered) or failed.
  asio::awaitable<void> connect_all();
  // One BATCH on every connection; returns once each is STORED (or DELIVERED) or failed,
  // or `timeout` passed.
  asio::awaitable<void> send_batches(std::chrono::milliseconds timeout);
  // Closes every connection (TCP close after a TLS close_notify is not waited for).
  void close_all();

  size_t connected() const { return connected_; }
  size_t stored() const { return stored_; }
  size_t failed() const { return failed_; }
  // The first failure, for the report ("h17: connect: Connection refused").
  const std::string& first_error() const { return first_error_; }

 private:
  struct Link;
  asio::awaitable<void> connect_worker();
  asio::awaitable<void> connect_one(size_t index);
  asio::awaitable<void> read_loop(size_t index);
  asio::awaitable<void> heartbeats();
  void fail(size_t index, const std::string& why);
  void progress();

  asio::io_context& io_;
  SwarmOptions o_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::vector<std::unique_ptr<Link>> links_;
  size_t next_ = 0;
  size_t workers_ = 0;
  size_t connected_ = 0, stored_ = 0, failed_ = 0, batches_answered_ = 0;
  std::string first_error_;
  asio::steady_timer changed_;  // cancelled on every step, to wake the phase waiting
  bool closing_ = false;
};

}  // namespace ferry::ferryctl
