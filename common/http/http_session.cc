// The per-connection coroutine: read a request, route it, write the response, repeat
// while keep-alive; or turn the connection into a server-sent event stream.

// g++ 12 flags Asio 1.18's awaitable frame operator delete as mismatched with its
// operator new (a false positive: both use the thread-local recycling allocator).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/http/server_state.h"

namespace ferry::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

Request to_request(bhttp::request<bhttp::string_body>& req) {
  Request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  r.body = std::move(req.body());
  for (const auto& field : req) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return r;
}

Response call_handler(const Handler& handler, const Request& req) {
  // Handlers should not throw; if one does, the client gets a 500 and the connection
  // stays usable.
  try {
    return handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", req.method, req.path, e.what());
  } catch (...) {
    spdlog::error("http: handler for {} {} threw a non-exception", req.method, req.path);
  }
  return Response::text("internal error\n", 500);
}

asio::awaitable<Response> call_async_handler(const AsyncHandler& handler, Request req) {
  std::string method = req.method, path = req.path;
  try {
    co_return co_await handler(std::move(req));
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", method, path, e.what());
  } catch (...) {
    spdlog::error("http: handler for {} {} threw a non-exception", method, path);
  }
  co_return Response::text("internal error\n", 500);
}

Response error_response(const Router::Match& m) {
  if (m.status == 405) {
    Response r = Response::text("method not allowed\n", 405);
    r.headers.emplace_back("Allow", m.allow);
    return r;
  }
  return Response::text("not found\n", 404);
}

asio::awaitable<void> write_response(Connection& conn, const ServerOptions& options, Response r,
                                     unsigned version, bool keep_alive, error_code& ec) {
  bhttp::response<bhttp::string_body> res;
  res.version(version);
  res.result(r.status);
  res.set(bhttp::field::server, "ferry");
  res.set(bhttp::field::content_type, r.content_type);
  // No response is to be read as another type than it says (a reflected 421 text, JSON).
  res.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  conn.stream.expires_after(options.write_timeout);
  co_await bhttp::async_write(conn.stream, res, asio::redirect_error(asio::use_awaitable, ec));
}

// "data: " before every line of `data`, then the blank line that ends the event.
std::string format_event(std::string_view data) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    out += "data: ";
    out += data.substr(start, nl == std::string_view::npos ? nl : nl - start);
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out += '\n';
  return out;
}

// Sends events until the source ends, the client goes away, or the server stops. The
// response has no length: the stream ends when the connection closes.
asio::awaitable<void> stream_events(Connection& conn, const ServerState& state,
                                    const EventRoute& route, const Request& req) {
  EventSource source = route.open(req);
  std::string header =
      "HTTP/1.1 200 OK\r\nServer: ferry\r\nContent-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
  error_code ec;
  conn.stream.expires_after(state.options.write_timeout);
  co_await asio::async_write(conn.stream, asio::buffer(header),
                             asio::redirect_error(asio::use_awaitable, ec));
  while (!ec && source && !state.stopping.load()) {
    std::optional<std::string> data = source();
    if (!data) break;
    std::string event = format_event(*data);
    conn.stream.expires_after(state.options.write_timeout);
    co_await asio::async_write(conn.stream, asio::buffer(event),
                               asio::redirect_error(asio::use_awaitable, ec));
    // stop() sets `stopping` before it posts the timer cancel to this strand: checking
    // here, on the strand, means the wait below is either cancelled or never started.
    if (ec || state.stopping.load()) break;
    conn.timer.expires_after(route.interval);
    co_await conn.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// After refusing a request, stop sending and read (and drop) what the client is still
// sending, briefly: closing with unread input makes the kernel send a reset, which can
// destroy the refusal before the client reads it.
asio::awaitable<void> lingering_close(Connection& conn) {
  error_code ec;
  conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  conn.stream.expires_after(std::chrono::seconds(2));
  char discard[4096];
  size_t total = 0;
  while (!ec && total < (1u << 20)) {
    total += co_await conn.stream.async_read_some(asio::buffer(discard),
                                                  asio::redirect_error(asio::use_awaitable, ec));
  }
}

bool is_routine_close(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::eof || ec == asio::error::bad_descriptor;
}

class Registration {
 public:
  Registration(ServerState& state, const Connection* conn) : state_(state), conn_(conn) {}
  ~Registration() { state_.remove(conn_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  ServerState& state_;
  const Connection* conn_;
};

}  // namespace

asio::awaitable<void> run_session(tcp::socket socket, std::shared_ptr<ServerState> state) {
  error_code peer_ec;
  auto peer = socket.remote_endpoint(peer_ec).address();
  if (peer_ec) co_return;
  auto conn = std::make_shared<Connection>(std::move(socket));
  if (!state->add(conn, peer)) co_return;
  Registration registration(*state, conn.get());
  const ServerOptions& options = state->options;
  beast::flat_buffer buffer;
  error_code ec;

  while (!state->stopping.load()) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(options.max_header_bytes);
    parser.body_limit(options.max_body_bytes);
    // Headers within header_timeout (a slow drip of header bytes holds a connection no
    // longer than that), then the body within read_timeout.
    conn->stream.expires_after(std::min(options.header_timeout, options.read_timeout));
    co_await bhttp::async_read_header(conn->stream, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && !parser.is_done()) {
      conn->stream.expires_after(options.read_timeout);
      co_await bhttp::async_read(conn->stream, buffer, parser,
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::body_limit) {
      bool header = ec == bhttp::error::header_limit;
      spdlog::warn("http: refusing request: {} over the limit", header ? "headers" : "body");
      // Built before the co_await: g++ 12 destroys a ?: temporary inside a co_await
      // expression twice.
      Response refusal = header ? Response::text("request headers too large\n", 431)
                                : Response::text("request body too large\n", 413);
      co_await write_response(*conn, options, std::move(refusal), 11, false, ec);
      if (!ec) co_await lingering_close(*conn);
      break;
    }
    if (ec) {
      if (!is_routine_close(ec) &&
          ec.category() == error_code(bhttp::error::bad_target).category()) {
        // A malformed request: say so before closing.
        Response refusal = Response::text("bad request\n", 400);
        co_await write_response(*conn, options, std::move(refusal), 11, false, ec);
        if (!ec) co_await lingering_close(*conn);
      } else if (!is_routine_close(ec)) {
        spdlog::debug("http: read failed: {}", ec.message());
      }
      break;
    }

    auto& raw = parser.get();
    unsigned version = raw.version();
    bool keep_alive = raw.keep_alive();
    Request req = to_request(raw);
    Router::Match match = state->router.find(req.method, req.path);
    bool routed =
        match.handler != nullptr || match.async_handler != nullptr || match.events != nullptr;
    std::optional<Response> refusal = state->access->refusal(req);
    if (refusal && (routed || refusal->status == 421)) {
      co_await write_response(*conn, options, std::move(*refusal), version, false, ec);
      break;
    }
    if (match.events != nullptr) {
      co_await stream_events(*conn, *state, *match.events, req);
      break;
    }
    Response res;
    if (match.async_handler != nullptr) {
      res = co_await call_async_handler(*match.async_handler, std::move(req));
    } else {
      res = match.handler != nullptr ? call_handler(*match.handler, req) : error_response(match);
    }
    keep_alive = keep_alive && !state->stopping.load();
    co_await write_response(*conn, options, std::move(res), version, keep_alive, ec);
    if (ec || !keep_alive) break;
  }
  conn->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  conn->stream.close();
}

}  // namespace ferry::http
