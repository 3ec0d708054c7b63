#pragma once
// A blocking HTTP/1.1 client for tools (ferryctl status, cluster health checks): one
// request per connection, with a deadline.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/base/result.h"

namespace ferry::http {

struct ClientReply {
  unsigned status = 0;
  std::string body;
  std::string location;  // the Location header, for redirects
};

// url: "http://host:port/path?query"; `headers` are sent besides Host (e.g.
// Authorization). Errors: connection, timeout, malformed reply.
Result<ClientReply> fetch(const std::string& method, const std::string& url, const std::string& body = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(5),
                          const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace ferry::http
