#pragma once
// Lets the agent's pump sleep while it has nothing to do, and wakes it for whatever can
// give it work: activity on a watched descriptor (a source's inotify fd), wake() (a
// delivery that frees window room, stop()), or the end of the sleep's limit (the next
// safety poll or linger cut). A wake() while the pump is not asleep is not lost: its
// next sleep_for() returns at once.
//
// Descriptors are watched edge-triggered: the pump must drain them (read to EAGAIN) on
// every pass, as SourceWatcher::drain_inotify() does; readiness only wakes it.
//
// Runs on the agent's io thread; not thread-safe.

#include <chrono>
#include <memory>
#include <vector>

#include "common/net/asio.h"

namespace ferry::agent {

class PumpWaker {
 public:
  explicit PumpWaker(asio::io_context& io) : io_(io), timer_(io) {}
  PumpWaker(const PumpWaker&) = delete;
  PumpWaker& operator=(const PumpWaker&) = delete;

  // Wakes the pump whenever `fd` becomes readable. `fd` stays the caller's; it must
  // outlive this object.
  void watch_readable(int fd);
  void wake();
  // Returns after `limit`, or sooner when woken.
  asio::awaitable<void> sleep_for(std::chrono::milliseconds limit);

 private:
  void arm(asio::posix::stream_descriptor& watched);

  asio::io_context& io_;
  asio::steady_timer timer_;
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> watched_;
  bool woken_ = false;
};

}  // namespace ferry::agent
