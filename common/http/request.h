#pragma once
// Request and Response: what route handlers see and return, free of Beast types so
// that dashboard and API code does not depend on the HTTP library.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::http {

struct Request {
  std::string method;  // "GET", "POST"
  std::string target;  // as sent: "/api/hosts?dc=dc1"
  std::string path;    // "/api/hosts"
  std::string query;   // "dc=dc1" (raw)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // Case-insensitive; "" when absent.
  std::string_view header(std::string_view name) const;
  // The first value of `name` in the query, percent-decoded ('+' is a space).
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Cache-Control

  static Response text(std::string body, unsigned status = 200);
  static Response json(std::string body, unsigned status = 200);
  static Response html(std::string body, unsigned status = 200);
};

// "a%20b+c" -> "a b c"; an invalid escape is kept as is.
std::string percent_decode(std::string_view s);

}  // namespace ferry::http
