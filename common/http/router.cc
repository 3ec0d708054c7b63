#include "common/http/router.h"

#include <utility>

namespace ferry::http {

void Router::get(const std::string& path, Handler h) { get_[path] = std::move(h); }

void Router::post(const std::string& path, Handler h) { post_[path] = std::move(h); }

void Router::post_async(const std::string& path, AsyncHandler h) {
  post_async_[path] = std::move(h);
}

void Router::get_prefix(const std::string& prefix, Handler h) {
  get_prefix_[prefix] = std::move(h);
}

void Router::asset(const std::string& path, std::string content_type, std::string body) {
  Response res{200, std::move(content_type), std::move(body), {}};
  // A fixed response; copying it per request keeps handlers stateless.
  get_[path] = [res = std::move(res)](const Request&) { return res; };
}

void Router::events(const std::string& path, std::chrono::milliseconds interval,
                    std::function<EventSource(const Request&)> open) {
  events_[path] = EventRoute{interval, std::move(open)};
}

Router::Match Router::find(const std::string& method, const std::string& path) const {
  Match m;
  if (method == "GET") {
    if (auto it = get_.find(path); it != get_.end()) {
      m.handler = &it->second;
      return m;
    }
    if (auto it = events_.find(path); it != events_.end()) {
      m.events = &it->second;
      return m;
    }
    // Descending order visits "/api/hosts/" before "/api/", so the first hit is the
    // longest matching prefix.
    for (const auto& [prefix, handler] : get_prefix_) {
      if (path.compare(0, prefix.size(), prefix) == 0) {
        m.handler = &handler;
        return m;
      }
    }
  } else if (method == "POST") {
    if (auto it = post_.find(path); it != post_.end()) {
      m.handler = &it->second;
      return m;
    }
    if (auto it = post_async_.find(path); it != post_async_.end()) {
      m.async_handler = &it->second;
      return m;
    }
  }
  bool get_ok = get_.count(path) || events_.count(path);
  for (const auto& [prefix, handler] : get_prefix_) {
    if (path.compare(0, prefix.size(), prefix) == 0) get_ok = true;
  }
  bool post_ok = post_.count(path) > 0 || post_async_.count(path) > 0;
  if (get_ok || post_ok) {
    m.status = 405;
    m.allow = get_ok && post_ok ? "GET, POST" : get_ok ? "GET" : "POST";
  } else {
    m.status = 404;
  }
  return m;
}

}  // namespace ferry::http
