#include "common/http/access_policy.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace ferry::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// "name:port" -> {"name", "port"}; "[::1]:80" -> {"[::1]", "80"}; "name" -> {"name", ""}.
std::pair<std::string_view, std::string_view> split_host(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || (host.front() == '[' && host.back() == ']'))
    return {host, {}};
  return {host.substr(0, colon), host.substr(colon + 1)};
}

// Constant time in the token's content: both sides are hashed first, so neither their
// lengths nor their first differing byte show in the timing.
bool same_secret(std::string_view given, std::string_view expected) {
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

Response refuse(unsigned status, std::string text) {
  return Response::text(std::move(text), status);
}

}  // namespace

bool is_write_method(std::string_view method) { return method != "GET" && method != "HEAD"; }

AccessPolicy::AccessPolicy(const ServerOptions& options, uint16_t port)
    : names_{"127.0.0.1", "localhost", "[::1]"},
      port_(std::to_string(port)),
      admin_token_(options.admin_token) {
  std::string listen = lower(options.address);
  if (listen.find(':') != std::string::npos) listen = "[" + listen + "]";  // IPv6 as Host writes it
  names_.push_back(listen);
  for (const auto& h : options.allowed_hosts) {
    bool with_port = !split_host(h).second.empty();
    (with_port ? exact_ : names_).push_back(lower(h));
  }
}

bool AccessPolicy::host_allowed(std::string_view host) const {
  if (host.empty()) return false;
  std::string h = lower(host);
  if (std::find(exact_.begin(), exact_.end(), h) != exact_.end()) return true;
  auto [name, port] = split_host(h);
  if (!port.empty() && port != port_) return false;
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

std::optional<Response> AccessPolicy::refusal(const Request& req) const {
  std::string_view host = req.header("Host");
  if (!host_allowed(host)) {
    return refuse(421, "this server does not answer to Host '" + std::string(host.substr(0, 255)) +
                           "' (add it to [http] allowed_hosts)\n");
  }
  if (!is_write_method(req.method)) return std::nullopt;
  std::string_view origin = req.header("Origin");
  if (!origin.empty() && lower(origin) != "http://" + lower(host)) {
    return refuse(403, "cross-origin write refused\n");
  }
  if (admin_token_.empty()) {
    return refuse(
        403,
        "write endpoints are disabled: no admin token is configured ([http] admin_token_file)\n");
  }
  std::string_view auth = req.header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || lower(auth.substr(0, kBearer.size())) != "bearer " ||
      !same_secret(auth.substr(kBearer.size()), admin_token_)) {
    Response r = refuse(401, "this endpoint needs Authorization: Bearer <admin token>\n");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  return std::nullopt;
}

}  // namespace ferry::http
