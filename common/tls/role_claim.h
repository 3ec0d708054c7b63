#pragma once
// The role a certificate grants (DESIGN §10): one subjectAltName URI per identity,
//   ferry://agent/<host>   ferry://broker/<dc>/<id>   ferry://consumer/<id>   ferry://admin/<name>
//   ferry://subscriber/<name> (reads categories live from a consumer's Kafka listener only)
// so a certificate from the cluster CA can act only as what it was issued for: an agent's
// key cannot say HELLO as a broker, a consumer's cannot ship batches as an agent.
//
// Names are canonical lowercase: hosts are case-insensitive, so "DC1-H1" and "dc1-h1" are
// one identity and must never open two streams.

#include <optional>
#include <string>
#include <string_view>

namespace ferry::tls {

enum class NodeRole { kAgent, kBroker, kConsumer, kAdmin, kSubscriber };

std::string_view node_role_name(NodeRole role);

struct RoleClaim {
  NodeRole role = NodeRole::kAgent;
  std::string dc;  // brokers only
  std::string id;  // host name for agents, node id otherwise

  static RoleClaim agent(std::string_view host);
  static RoleClaim broker(std::string_view dc, std::string_view id);
  static RoleClaim consumer(std::string_view id);
  static RoleClaim admin(std::string_view name);
  static RoleClaim subscriber(std::string_view name);

  bool operator==(const RoleClaim&) const = default;
};

// ASCII lowercase: the one case identities are compared in.
std::string canonical_name(std::string_view name);

// The SAN URI of a claim, e.g. "ferry://broker/dc1/b1".
std::string role_uri(const RoleClaim& claim);

// Parses a URI written by role_uri; nullopt for anything else (other schemes, unknown
// roles, a broker without its DC, names that are not canonical).
std::optional<RoleClaim> parse_role_uri(std::string_view uri);

}  // namespace ferry::tls
