#pragma once
// Playing a peer in tests: a client that speaks raw frames to a real daemon, and a server
// that answers a daemon's dial with a HELLO of our choosing. Both record what the daemon
// sent, so a test can assert what it refused and why (DESIGN §2.6, §10).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/batch/batch_header.h"
#include "common/net/asio.h"
#include "common/tls/tls_options.h"
#include "common/wire/messages.h"

namespace ferry::testing {

struct Conversation {
  bool connected = false;
  std::optional<wire::Error> error;  // the ERROR the daemon sent, if any
  std::vector<wire::Frame> frames;   // everything the daemon sent, in order
  bool saw(wire::FrameType type) const;
};

// Connects to 127.0.0.1:`port` with `identity`, sends `frames` and collects what comes
// back until the daemon closes, 3 s pass without a frame or 10 s in all. With `until`,
// reading stops at that frame type instead, and waits up to 40 s for it.
Conversation converse(uint16_t port, const tls::TlsOptions& identity,
                      std::vector<std::string> frames,
                      std::optional<wire::FrameType> until = std::nullopt);

// A listener on 127.0.0.1:`port` with `identity`'s certificate. It reads the dialling
// daemon's HELLO, answers with `reply`, then records every frame of the first
// connection until it closes.
class FakePeerServer {
 public:
  FakePeerServer(uint16_t port, const tls::TlsOptions& identity, wire::Hello reply);
  ~FakePeerServer();
  // What the first connection brought, once it has closed or `limit` has passed.
  Conversation first_conversation(std::chrono::milliseconds limit);

 private:
  struct State;
  std::shared_ptr<State> state_;
  asio::io_context io_;
  std::thread thread_;
};

// An uncompressed one-line batch of `host`'s stream "events", stamped now.
wire::BatchFrame one_line_batch(const std::string& host, uint64_t seq,
                                std::string line = "hello\n");

}  // namespace ferry::testing
