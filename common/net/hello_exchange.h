#pragma once
// The HELLO exchange that opens every connection (docs/protocol.md §1), with the
// identity rule of DESIGN §10: the peer's certificate must grant, by its ferry:// URI
// (common/tls/role_claim.h), the role, DC and node_id its HELLO claims. Failures send ERROR with
// the reason and close.

#include <chrono>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/net/frame_connection.h"
#include "common/wire/messages.h"

namespace ferry::net {

struct HelloPolicy {
  wire::Hello local;  // what we announce
  wire::Role expected_peer_role;
  std::string required_peer_dc;  // empty = any DC
  std::string required_peer_id;  // empty = any (still must match the certificate)
  // Peers allowed in, as "dc/node_id" (brokers) or "node_id", canonical case; empty = any
  // the certificate check passes (the consumer's allowed_brokers).
  std::vector<std::string> allowed_peers;
  std::chrono::milliseconds timeout{10'000};
};

// Server side: reads the peer's HELLO, checks it, answers with ours.
asio::awaitable<Result<wire::Hello>> accept_hello(FrameConnection& conn, const HelloPolicy& policy);

// Client side: sends ours, reads the peer's HELLO, checks it.
asio::awaitable<Result<wire::Hello>> offer_hello(FrameConnection& conn, const HelloPolicy& policy);

}  // namespace ferry::net
