#include "common/tls/role_claim.h"

#include <array>

#include "common/batch/batch_header.h"

namespace ferry::tls {
namespace {

constexpr std::string_view kScheme = "ferry://";
constexpr std::array<std::pair<NodeRole, std::string_view>, 5> kRoles{
    {{NodeRole::kAgent, "agent"},
     {NodeRole::kBroker, "broker"},
     {NodeRole::kConsumer, "consumer"},
     {NodeRole::kAdmin, "admin"},
     {NodeRole::kSubscriber, "subscriber"}}};

bool canonical(std::string_view name) {
  return batch::valid_name(name) && canonical_name(name) == name;
}

// Splits off the text before the next '/', advancing `rest` past it.
std::string_view take_segment(std::string_view& rest) {
  size_t slash = rest.find('/');
  std::string_view segment = rest.substr(0, slash);
  rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
  return segment;
}

}  // namespace

std::string_view node_role_name(NodeRole role) {
  for (const auto& [r, name] : kRoles) {
    if (r == role) return name;
  }
  return "unknown";
}

RoleClaim RoleClaim::agent(std::string_view host) {
  return {NodeRole::kAgent, "", canonical_name(host)};
}
RoleClaim RoleClaim::broker(std::string_view dc, std::string_view id) {
  return {NodeRole::kBroker, canonical_name(dc), canonical_name(id)};
}
RoleClaim RoleClaim::consumer(std::string_view id) {
  return {NodeRole::kConsumer, "", canonical_name(id)};
}
RoleClaim RoleClaim::admin(std::string_view name) {
  return {NodeRole::kAdmin, "", canonical_name(name)};
}
RoleClaim RoleClaim::subscriber(std::string_view name) {
  return {NodeRole::kSubscriber, "", canonical_name(name)};
}

std::string canonical_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string role_uri(const RoleClaim& claim) {
  std::string uri(kScheme);
  uri += node_role_name(claim.role);
  uri += '/';
  if (claim.role == NodeRole::kBroker) uri += claim.dc + "/";
  return uri + claim.id;
}

std::optional<RoleClaim> parse_role_uri(std::string_view uri) {
  if (!uri.starts_with(kScheme)) return std::nullopt;
  std::string_view rest = uri.substr(kScheme.size());
  std::string_view role_text = take_segment(rest);
  RoleClaim claim;
  bool known = false;
  for (const auto& [r, name] : kRoles) {
    if (name == role_text) {
      claim.role = r;
      known = true;
    }
  }
  if (!known) return std::nullopt;
  if (claim.role == NodeRole::kBroker) {
    std::string_view dc = take_segment(rest);
    if (!canonical(dc)) return std::nullopt;
    claim.dc = dc;
  }
  if (!canonical(rest)) return std::nullopt;  // also refuses a further '/'
  claim.id = rest;
  return claim;
}

}  // namespace ferry::tls
