#include "common/http/http_client.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/net/asio.h"
#include "common/net/endpoint.h"

namespace ferry::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

Result<ClientReply> fetch(const std::string& method, const std::string& url, const std::string& body,
                          std::chrono::milliseconds timeout,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return make_error(std::errc::invalid_argument);
  auto slash = url.find('/', scheme.size());
  std::string authority = url.substr(scheme.size(), slash == std::string::npos ? std::string::npos : slash - scheme.size());
  std::string target = slash == std::string::npos ? "/" : url.substr(slash);
  auto hp = net::parse_host_port(authority);
  if (!hp) return make_error(std::errc::invalid_argument);

  asio::io_context io;
  beast::tcp_stream stream(io);
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(hp->host, std::to_string(hp->port), ec);
  if (ec) return std::error_code(ec);
  ClientReply reply;
  std::error_code result;
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](boost::system::error_code cec, const tcp::endpoint&) {
    if (cec) {
      result = cec;
      return;
    }
    auto req = std::make_shared<bhttp::request<bhttp::string_body>>(bhttp::string_to_verb(method), target, 11);
    req->set(bhttp::field::host, authority);
    for (const auto& [name, value] : headers) req->set(name, value);
    req->body() = body;
    if (!body.empty()) req->set(bhttp::field::content_type, "application/octet-stream");
    req->prepare_payload();
    bhttp::async_write(stream, *req, [&, req](boost::system::error_code wec, size_t) {
      if (wec) {
        result = wec;
        return;
      }
      auto buffer = std::make_shared<beast::flat_buffer>();
      auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
      bhttp::async_read(stream, *buffer, *res, [&, buffer, res](boost::system::error_code rec, size_t) {
        if (rec) {
          result = rec;
          return;
        }
        reply.status = res->result_int();
        reply.location = std::string((*res)[bhttp::field::location]);
        reply.body = std::move(res->body());
      });
    });
  });
  io.run();
  if (result) return result;
  return reply;
}

}  // namespace ferry::http
