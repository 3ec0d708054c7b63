#include "common/http/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "common/net/endpoint.h"
#include "common/tls/tls_context.h"

namespace ferry::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

using Request = bhttp::request<bhttp::string_body>;

class HttpsCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "https"; }
  std::string message(int v) const override {
    return std::string("server certificate refused: ") + X509_verify_cert_error_string(v);
  }
};

// Writes `req` on a connected (and, for TLS, handshaken) stream and reads the reply.
template <class Stream>
void exchange(Stream& stream, std::shared_ptr<Request> req, ClientReply& reply,
              std::error_code& result) {
  bhttp::async_write(
      stream, *req, [&stream, &reply, &result, req](boost::system::error_code wec, size_t) {
        if (wec) {
          result = wec;
          return;
        }
        auto buffer = std::make_shared<beast::flat_buffer>();
        auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
        bhttp::async_read(stream, *buffer, *res,
                          [&reply, &result, buffer, res](boost::system::error_code rec, size_t) {
                            if (rec) {
                              result = rec;
                              return;
                            }
                            reply.status = res->result_int();
                            reply.location = std::string((*res)[bhttp::field::location]);
                            reply.body = std::move(res->body());
                          });
      });
}

}  // namespace

const std::error_category& https_category() {
  static const HttpsCategory category;
  return category;
}

Result<ClientReply> fetch(const std::string& method, const std::string& url,
                          const std::string& body, std::chrono::milliseconds timeout,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          asio::ssl::context* tls) {
  const bool https = url.rfind("https://", 0) == 0;
  if (!https && url.rfind("http://", 0) != 0) return make_error(std::errc::invalid_argument);
  if (https && tls == nullptr) return make_error(std::errc::invalid_argument);
  const size_t start = https ? 8 : 7;
  auto slash = url.find('/', start);
  std::string authority =
      url.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  std::string target = slash == std::string::npos ? "/" : url.substr(slash);
  auto hp = net::parse_host_port(authority);
  if (!hp) return make_error(std::errc::invalid_argument);

  auto req = std::make_shared<Request>(bhttp::string_to_verb(method), target, 11);
  req->set(bhttp::field::host, authority);
  for (const auto& [name, value] : headers) req->set(name, value);
  req->body() = body;
  if (!body.empty()) req->set(bhttp::field::content_type, "application/octet-stream");
  req->prepare_payload();

  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(hp->host, std::to_string(hp->port), ec);
  if (ec) return std::error_code(ec);
  ClientReply reply;
  std::error_code result;
  if (!https) {
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.async_connect(endpoints, [&](boost::system::error_code cec, const tcp::endpoint&) {
      if (cec) {
        result = cec;
        return;
      }
      exchange(stream, req, reply, result);
    });
    io.run();
  } else {
    beast::ssl_stream<beast::tcp_stream> stream(io, *tls);
    if (!tls::expect_server_name(stream.native_handle(), hp->host))
      return make_error(std::errc::invalid_argument);
    beast::get_lowest_layer(stream).expires_after(timeout);
    beast::get_lowest_layer(stream).async_connect(endpoints, [&](boost::system::error_code cec,
                                                                 const tcp::endpoint&) {
      if (cec) {
        result = cec;
        return;
      }
      stream.async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code hec) {
        if (hec) {
          const long verify = SSL_get_verify_result(stream.native_handle());
          result = verify != X509_V_OK ? std::error_code(static_cast<int>(verify), https_category())
                                       : std::error_code(hec);
          return;
        }
        exchange(stream, req, reply, result);
      });
    });
    io.run();
  }
  if (result) return result;
  return reply;
}

}  // namespace ferry::http
