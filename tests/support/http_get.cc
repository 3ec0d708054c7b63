#include "tests/support/http_get.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/net/asio.h"

namespace ferry::testing {
namespace {

namespace bhttp = boost::beast::http;

void set_read_timeout(tcp::socket& s) {
  timeval tv{10, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

struct HttpConnection::Impl {
  explicit Impl(uint16_t port) : socket(io) {
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    set_read_timeout(socket);
  }
  asio::io_context io;
  tcp::socket socket;
  boost::beast::flat_buffer buffer;
};

HttpConnection::HttpConnection(uint16_t port) : impl_(std::make_unique<Impl>(port)) {}
HttpConnection::~HttpConnection() = default;

HttpReply HttpConnection::request(const std::string& method, const std::string& target,
                                  const std::string& body) {
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  bhttp::write(impl_->socket, req);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  bhttp::read(impl_->socket, impl_->buffer, parser);
  auto& res = parser.get();
  HttpReply reply;
  reply.status = res.result_int();
  reply.content_type = std::string(res[bhttp::field::content_type]);
  reply.body = res.body();
  reply.keep_alive = res.keep_alive();
  for (const auto& f : res)
    reply.headers[lower(std::string(f.name_string()))] = std::string(f.value());
  return reply;
}

void HttpConnection::send(const std::string& bytes) {
  asio::write(impl_->socket, asio::buffer(bytes));
}

std::string HttpConnection::send_and_read_until(const std::string& bytes, const std::string& needle,
                                                int count) {
  asio::write(impl_->socket, asio::buffer(bytes));
  std::string out;
  char chunk[4096];
  auto occurrences = [&] {
    int n = 0;
    for (size_t pos = out.find(needle); pos != std::string::npos;
         pos = out.find(needle, pos + needle.size())) {
      ++n;
    }
    return n;
  };
  while (occurrences() < count) {
    boost::system::error_code ec;
    size_t n = impl_->socket.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    out.append(chunk, n);
  }
  return out;
}

bool HttpConnection::closed_by_server() {
  char c;
  boost::system::error_code ec;
  impl_->socket.read_some(asio::buffer(&c, 1), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

HttpReply http_request(uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  set_read_timeout(socket);
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.keep_alive(false);
  req.prepare_payload();
  bhttp::write(socket, req);
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  bhttp::read(socket, buffer, parser);
  auto& res = parser.get();
  HttpReply reply;
  reply.status = res.result_int();
  reply.content_type = std::string(res[bhttp::field::content_type]);
  reply.body = res.body();
  reply.keep_alive = res.keep_alive();
  for (const auto& f : res)
    reply.headers[lower(std::string(f.name_string()))] = std::string(f.value());
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  return reply;
}

HttpReply http_get(uint16_t port, const std::string& target) {
  return http_request(port, "GET", target);
}

std::string http_raw(uint16_t port, const std::string& bytes, size_t max_bytes) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  set_read_timeout(socket);
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(bytes), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);  // lets the server see the end
  std::string out;
  char chunk[4096];
  while (out.size() < max_bytes) {
    size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    out.append(chunk, n);
  }
  return out;
}

}  // namespace ferry::testing
