#include "common/net/hello_exchange.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/log/printable.h"
#include "common/tls/peer_identity.h"

namespace ferry::net {
namespace {

tls::RoleClaim claim_of(const wire::Hello& h) {
  switch (h.role) {
    case wire::Role::kAgent:
      return {tls::NodeRole::kAgent, "", h.node_id};
    case wire::Role::kBroker:
      return {tls::NodeRole::kBroker, h.dc, h.node_id};
    case wire::Role::kConsumer:
      return {tls::NodeRole::kConsumer, "", h.node_id};
    case wire::Role::kAdmin:
      return {tls::NodeRole::kAdmin, "", h.node_id};
  }
  return {};
}

// Reads and validates the peer's HELLO; on any failure the connection is failed with
// a specific reason and the error returned.
asio::awaitable<Result<wire::Hello>> read_peer_hello(FrameConnection& conn, const HelloPolicy& p) {
  auto frame = co_await conn.read_frame_within(p.timeout);
  if (!frame) {
    if (frame.error().category() == wire::wire_category()) {
      spdlog::warn("refusing {} from {}: {} before HELLO", wire::role_name(p.expected_peer_role),
                   conn.remote(), frame.error().message());
      conn.fail(static_cast<wire::Errc>(frame.error().value()), frame.error().message());
    }
    co_return frame.error();
  }
  auto refuse = [&](wire::Errc code, const std::string& text) -> std::error_code {
    spdlog::warn("refusing {} from {}: {}", wire::role_name(p.expected_peer_role), conn.remote(),
                 log::printable(text));
    conn.fail(code, text);
    return make_error_code(code);
  };
  if (frame.value().type == wire::FrameType::kError) {
    auto err = wire::decode_error(frame.value().body);
    std::string text = err ? err.value().text : std::string("(malformed ERROR)");
    spdlog::warn("{} refused us: {}", conn.remote(), log::printable(text));
    conn.close();
    co_return make_error_code(err ? err.value().code : wire::Errc::kMalformedBody);
  }
  if (frame.value().type != wire::FrameType::kHello) {
    co_return refuse(wire::Errc::kProtocolViolation,
                     std::string("expected HELLO, got ") +
                         std::string(wire::frame_type_name(frame.value().type)));
  }
  auto hello = wire::decode_hello(frame.value().body);
  if (!hello)
    co_return refuse(static_cast<wire::Errc>(hello.error().value()),
                     "bad HELLO: " + hello.error().message());
  const auto& h = hello.value();
  if (h.role != p.expected_peer_role) {
    co_return refuse(wire::Errc::kProtocolViolation,
                     "peer says it is a " + std::string(wire::role_name(h.role)) + ", expected a " +
                         std::string(wire::role_name(p.expected_peer_role)));
  }
  // The certificate's ferry:// URI must grant exactly what the HELLO claims: role, DC
  // (for brokers) and name. The CN and DNS names identify nothing here (DESIGN §10).
  auto identity = tls::peer_identity(conn.ssl());
  if (!identity) co_return refuse(wire::Errc::kUnauthenticated, "no verified peer certificate");
  const tls::RoleClaim claimed = claim_of(h);
  if (!identity.value().holds(claimed)) {
    co_return refuse(wire::Errc::kIdentityMismatch, "HELLO claims " + tls::role_uri(claimed) +
                                                        " but the certificate grants " +
                                                        identity.value().describe_roles());
  }
  if (!p.required_peer_id.empty() && h.node_id != p.required_peer_id) {
    co_return refuse(wire::Errc::kIdentityMismatch,
                     "expected " + p.required_peer_id + ", peer is " + h.node_id);
  }
  if (!p.required_peer_dc.empty() && h.dc != p.required_peer_dc) {
    co_return refuse(
        wire::Errc::kProtocolViolation,
        h.node_id + " is in dc '" + h.dc + "', this node serves dc '" + p.required_peer_dc + "'");
  }
  if (!p.allowed_peers.empty()) {
    const std::string name = h.role == wire::Role::kBroker ? h.dc + "/" + h.node_id : h.node_id;
    if (std::find(p.allowed_peers.begin(), p.allowed_peers.end(), name) == p.allowed_peers.end()) {
      co_return refuse(
          wire::Errc::kUnauthenticated,
          std::string(wire::role_name(h.role)) + " " + name + " is not in this node's allow-list");
    }
  }
  co_return h;
}

}  // namespace

asio::awaitable<Result<wire::Hello>> accept_hello(FrameConnection& conn,
                                                  const HelloPolicy& policy) {
  auto peer = co_await read_peer_hello(conn, policy);
  if (peer) conn.send(wire::encode(policy.local));
  co_return peer;
}

asio::awaitable<Result<wire::Hello>> offer_hello(FrameConnection& conn, const HelloPolicy& policy) {
  conn.send(wire::encode(policy.local));
  co_return co_await read_peer_hello(conn, policy);
}

}  // namespace ferry::net
