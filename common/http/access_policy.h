#pragma once
// AccessPolicy: who may ask an HttpServer what. Checked before any handler runs:
// - Host must name this server (the listen address, 127.0.0.1, localhost or [::1], with
//   or without its port, or a configured allowed host), else 421. A page on another
//   site that rebinds its DNS name to this address still sends its own name.
// - A write (any method but GET/HEAD) that carries an Origin must come from this very
//   origin ("http://" + the request's Host), else 403: a cross-site form or fetch.
// - A write needs `Authorization: Bearer <admin token>`, compared in constant time;
//   401 without it, 403 when the server has no token (writes are off).
// Immutable once built; used from any connection's strand.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/request.h"
#include "common/http/server_options.h"

namespace ferry::http {

class AccessPolicy {
 public:
  // `port` is the bound port (ServerOptions::port may be 0).
  AccessPolicy(const ServerOptions& options, uint16_t port);

  // nullopt when `req` may go on to its handler; else the refusal to send.
  std::optional<Response> refusal(const Request& req) const;

  bool host_allowed(std::string_view host) const;

 private:
  std::vector<std::string> names_;  // lower case, no port: match with or without :port
  std::vector<std::string> exact_;  // allowed_hosts entries with a port
  std::string port_;
  std::string admin_token_;
};

// Whether a method changes state and so needs the token and a same-origin Origin.
bool is_write_method(std::string_view method);

}  // namespace ferry::http
