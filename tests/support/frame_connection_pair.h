#pragma once
// Two FrameConnections joined over loopback by a real mutual-TLS handshake (a broker's
// certificate serving, an agent's dialling, from one TestPki), on the caller's
// io_context: for unit tests of the code that sends on connections (AckRelay, sessions)
// without daemons. Everything stays on `io`; run it (bounded) to move frames.

#include <memory>
#include <string>
#include <vector>

#include "common/net/asio.h"
#include "common/net/frame_connection.h"
#include "common/tls/role_claim.h"
#include "common/wire/frame.h"

namespace ferry::testing {

struct FrameConnectionPair {
  std::shared_ptr<net::FrameConnection> server;  // the broker's side
  std::shared_ptr<net::FrameConnection> client;  // the agent's side
};

// Makes `count` pairs, each handshaken; fails the test (and returns fewer) on an error.
std::vector<FrameConnectionPair> make_frame_connection_pairs(asio::io_context& io, int count);
// The same with other certificates: `server` serves, `client` dials (a consumer's and a
// broker's, for a consumer's sessions).
std::vector<FrameConnectionPair> make_frame_connection_pairs(asio::io_context& io, int count,
                                                             const tls::RoleClaim& server,
                                                             const tls::RoleClaim& client);

// Every frame that arrives on a connection, read by one loop started at construction
// (on the connection's io_context: it moves while the test runs that context).
class FrameInbox {
 public:
  explicit FrameInbox(std::shared_ptr<net::FrameConnection> conn);
  // The frames that arrived since the last take(), in order.
  std::vector<wire::Frame> take();
  // The read loop ended: the peer closed, or the connection failed.
  bool ended() const { return state_->ended; }

 private:
  struct State {
    std::vector<wire::Frame> frames;
    bool ended = false;
  };
  std::shared_ptr<State> state_;
};

// Runs `io` for `window` (again, after an earlier run returned).
void run_for(asio::io_context& io, std::chrono::milliseconds window);

}  // namespace ferry::testing
