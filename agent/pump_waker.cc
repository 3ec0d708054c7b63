#include "agent/pump_waker.h"

#include <unistd.h>

namespace ferry::agent {

void PumpWaker::watch_readable(int fd) {
  // A duplicate, so that the stream_descriptor may close it; same open file, same events.
  const int dup = ::dup(fd);
  if (dup < 0) return;  // the safety poll still finds everything
  watched_.push_back(std::make_unique<asio::posix::stream_descriptor>(io_, dup));
  arm(*watched_.back());
}

void PumpWaker::arm(asio::posix::stream_descriptor& watched) {
  watched.async_wait(asio::posix::stream_descriptor::wait_read,
                     [this, &watched](boost::system::error_code ec) {
                       if (ec) return;  // closed at shutdown
                       wake();
                       arm(watched);
                     });
}

void PumpWaker::wake() {
  woken_ = true;
  timer_.cancel();
}

asio::awaitable<void> PumpWaker::sleep_for(std::chrono::milliseconds limit) {
  if (!woken_) {
    timer_.expires_after(limit);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  woken_ = false;
}

}  // namespace ferry::agent
