#include "common/net/heartbeat.h"

#include "common/net/tls_server.h"
#include "common/wire/messages.h"

namespace ferry::net {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

asio::awaitable<void> heartbeat_loop(std::weak_ptr<FrameConnection> weak,
                                     std::chrono::milliseconds interval) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (true) {
    timer.expires_after(interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    auto conn = weak.lock();
    if (!conn || !conn->usable()) co_return;
    conn->send(wire::encode(wire::Heartbeat{wall_ms()}));
  }
}

}  // namespace

void start_heartbeats(const std::shared_ptr<FrameConnection>& conn,
                      std::chrono::milliseconds interval) {
  asio::co_spawn(conn->executor(), heartbeat_loop(conn, interval), log_exception);
}

}  // namespace ferry::net
