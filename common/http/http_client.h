#pragma once
// A blocking HTTP/1.1 client for tools (ferryctl status, cluster health checks) and the
// WebHDFS sink: one request per connection, with a deadline. https:// URLs need a TLS
// context (tls::make_https_client_context): the server's certificate must chain to its
// CA and name the URL's host, or the request fails before anything is sent.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/net/asio.h"

namespace ferry::http {

struct ClientReply {
  unsigned status = 0;
  std::string body;
  std::string location;  // the Location header, for redirects
};

// url: "http://host:port/path?query" or "https://..."; `headers` are sent besides Host
// (e.g. Authorization). Errors: connection, timeout, malformed reply; for https, no
// `tls` (invalid_argument) or a failed handshake: a certificate that does not verify
// is https_category() with OpenSSL's verify result, its message saying why.
Result<ClientReply> fetch(const std::string& method, const std::string& url,
                          const std::string& body = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(5),
                          const std::vector<std::pair<std::string, std::string>>& headers = {},
                          asio::ssl::context* tls = nullptr);

// Errors of a server certificate that failed verification: the value is OpenSSL's
// X509_V_ERR_* code.
const std::error_category& https_category();

}  // namespace ferry::http
