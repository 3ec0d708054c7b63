#pragma once
// A blocking HTTP/1.1 client for tests against a server on 127.0.0.1. Every socket read
// gives up after 10 s so a broken server fails the test instead of hanging it.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ferry::testing {

struct HttpReply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  bool keep_alive = false;
};

HttpReply http_get(uint16_t port, const std::string& target);
HttpReply http_request(uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

// Sends `bytes` as is, then returns everything the server sends until it closes the
// connection or `max_bytes` arrived.
std::string http_raw(uint16_t port, const std::string& bytes, size_t max_bytes = 1 << 20);

// One kept-alive connection for several requests in a row.
class HttpConnection {
 public:
  explicit HttpConnection(uint16_t port);
  ~HttpConnection();
  HttpReply request(const std::string& method, const std::string& target,
                    const std::string& body = "");
  // Sends `bytes` and returns at once (e.g. part of a request).
  void send(const std::string& bytes);
  // Sends `bytes`, then reads until `needle` has been seen `count` times or the server
  // closes; returns all read.
  std::string send_and_read_until(const std::string& bytes, const std::string& needle, int count);
  // True when the server has closed the connection (a read returns EOF).
  bool closed_by_server();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::testing
