#pragma once
// Router: maps (method, path) to a handler. Exact GET and POST routes (POST ones may be
// asynchronous), GET prefix routes (longest prefix wins, exact routes first), fixed
// in-memory assets, and event-stream routes. Filled before HttpServer::start(), read-only
// afterwards (so reads need no lock).

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/http/request.h"
#include "common/net/asio.h"

namespace ferry::http {

// Runs on the connection's strand. May run concurrently with other handlers when the
// io_context has several threads: a handler reads shared state through its own lock or
// snapshot. Should not block; an exception becomes a 500 and is logged.
using Handler = std::function<Response(const Request&)>;

// For work that waits (on a worker thread, the disk): returns a coroutine, started on
// the connection's strand, whose co_awaits leave the I/O thread free for other
// connections meanwhile. Write it as a named coroutine (a member or free function taking
// the request by value) that the std::function only calls: a capturing coroutine lambda
// would dangle.
using AsyncHandler = std::function<asio::awaitable<Response>(Request)>;

// Yields the data of the next server-sent event (usually one JSON document), or nullopt
// to end the stream. Called on the connection's strand, once right away and then every
// interval.
using EventSource = std::function<std::optional<std::string>()>;

struct EventRoute {
  std::chrono::milliseconds interval;
  // Called once per client, with its request, to make that client's source.
  std::function<EventSource(const Request&)> open;
};

class Router {
 public:
  void get(const std::string& path, Handler h);
  void post(const std::string& path, Handler h);
  void post_async(const std::string& path, AsyncHandler h);
  // GET for every path starting with `prefix` ("/api/hosts/" serves "/api/hosts/h1").
  void get_prefix(const std::string& prefix, Handler h);
  // GET `path` always returns `body` (a page, a script, a stylesheet).
  void asset(const std::string& path, std::string content_type, std::string body);
  // GET `path` opens a text/event-stream.
  void events(const std::string& path, std::chrono::milliseconds interval,
              std::function<EventSource(const Request&)> open);

  struct Match {
    const Handler* handler = nullptr;
    const AsyncHandler* async_handler = nullptr;
    const EventRoute* events = nullptr;
    unsigned status = 200;  // 404 or 405 when none is set
    std::string allow;      // for 405: the methods the path does accept
  };
  Match find(const std::string& method, const std::string& path) const;

 private:
  std::map<std::string, Handler> get_;
  std::map<std::string, Handler> post_;
  std::map<std::string, AsyncHandler> post_async_;
  std::map<std::string, Handler, std::greater<>>
      get_prefix_;  // longest first among shared prefixes
  std::map<std::string, EventRoute> events_;
};

}  // namespace ferry::http
