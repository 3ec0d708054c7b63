#pragma once
// SIGHUP for a daemon: never fatal. logrotate's postrotate HUPs "the logger" after
// moving its file away, so each SIGHUP re-opens the process's own log file at its
// configured path and says so. Re-reading the config live is not supported yet.
//
// Runs its handler on the io_context it is given. stop() cancels the wait, so that
// io_context.run() can return.

#include "common/net/asio.h"

namespace ferry::app {

class HangupHandler {
 public:
  explicit HangupHandler(asio::io_context& io) : signals_(io, SIGHUP) {}

  void start();
  void stop();

 private:
  void wait();

  asio::signal_set signals_;
  bool stopped_ = false;
};

}  // namespace ferry::app
