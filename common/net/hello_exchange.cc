#include "common/net/hello_exchange.h"

#include <spdlog/spdlog.h>

#include "common/tls/peer_identity.h"

namespace ferry::net {
namespace {

// Reads and validates the peer's HELLO; on any failure the connection is failed with
// a specific reason and the error returned.
asio::awaitable<Result<wire::Hello>> read_peer_hello(FrameConnection& conn, const HelloPolicy& p) {
  auto frame = co_await conn.read_frame_within(p.timeout);
  if (!frame) {
    if (frame.error().category() == wire::wire_category()) {
      spdlog::warn("refusing {} from {}: {} before HELLO", wire::role_name(p.expected_peer_role), conn.remote(),
                   frame.error().message());
      conn.fail(static_cast<wire::Errc>(frame.error().value()), frame.error().message());
    }
    co_return frame.error();
  }
  auto refuse = [&](wire::Errc code, const std::string& text) -> std::error_code {
    spdlog::warn("refusing {} from {}: {}", wire::role_name(p.expected_peer_role), conn.remote(), text);
    conn.fail(code, text);
    return make_error_code(code);
  };
  if (frame.value().type == wire::FrameType::kError) {
    auto err = wire::decode_error(frame.value().body);
    std::string text = err ? err.value().text : std::string("(malformed ERROR)");
    spdlog::warn("{} refused us: {}", conn.remote(), text);
    conn.close();
    co_return make_error_code(err ? err.value().code : wire::Errc::kMalformedBody);
  }
  if (frame.value().type != wire::FrameType::kHello) {
    co_return refuse(wire::Errc::kProtocolViolation,
                     std::string("expected HELLO, got ") +
                         std::string(wire::frame_type_name(frame.value().type)));
  }
  auto hello = wire::decode_hello(frame.value().body);
  if (!hello) co_return refuse(static_cast<wire::Errc>(hello.error().value()), "bad HELLO: " + hello.error().message());
  const auto& h = hello.value();
  if (h.role != p.expected_peer_role) {
    co_return refuse(wire::Errc::kProtocolViolation,
                     "peer says it is a " + std::string(wire::role_name(h.role)) + ", expected a " +
                         std::string(wire::role_name(p.expected_peer_role)));
  }
  // Development certificates also name "localhost" (so any node can be dialled by that
  // name), so it cannot identify a node.
  if (h.node_id == "localhost") co_return refuse(wire::Errc::kIdentityMismatch, "'localhost' is not a node identity");
  auto identity = tls::peer_identity(conn.ssl());
  if (!identity) co_return refuse(wire::Errc::kUnauthenticated, "no verified peer certificate");
  if (!identity.value().names(h.node_id)) {
    co_return refuse(wire::Errc::kIdentityMismatch,
                     "HELLO names '" + h.node_id + "' but the certificate names '" +
                         identity.value().common_name + "'");
  }
  if (!p.required_peer_id.empty() && h.node_id != p.required_peer_id) {
    co_return refuse(wire::Errc::kIdentityMismatch,
                     "expected " + p.required_peer_id + ", peer is " + h.node_id);
  }
  if (!p.required_peer_dc.empty() && h.dc != p.required_peer_dc) {
    co_return refuse(wire::Errc::kProtocolViolation,
                     h.node_id + " is in dc '" + h.dc + "', this node serves dc '" + p.required_peer_dc + "'");
  }
  co_return h;
}

}  // namespace

asio::awaitable<Result<wire::Hello>> accept_hello(FrameConnection& conn, const HelloPolicy& policy) {
  auto peer = co_await read_peer_hello(conn, policy);
  if (peer) conn.send(wire::encode(policy.local));
  co_return peer;
}

asio::awaitable<Result<wire::Hello>> offer_hello(FrameConnection& conn, const HelloPolicy& policy) {
  conn.send(wire::encode(policy.local));
  co_return co_await read_peer_hello(conn, policy);
}

}  // namespace ferry::net
