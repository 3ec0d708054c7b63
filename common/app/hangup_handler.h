#pragma once
// SIGHUP for a daemon: never fatal. logrotate's postrotate HUPs "the logger" after
// moving its file away, so each SIGHUP re-opens the process's own log file at its
// configured path and says so. Then it reloads the TLS contexts it was given (certificate,
// key, CA, CRL): new connections use them, open ones go on; a context whose files fail to
// load stays as it was, and the log says why. The rest of the config is not re-read.
//
// Runs its handler on the io_context it is given. stop() cancels the wait, so that
// io_context.run() can return.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/net/asio.h"
#include "common/tls/context_source.h"

namespace ferry::app {

class HangupHandler {
 public:
  explicit HangupHandler(asio::io_context& io) : signals_(io, SIGHUP) {}

  // Before start(): `source` is reloaded on each SIGHUP; `what` names it in the log.
  void reload_on_hangup(std::string what, std::shared_ptr<tls::ContextSource> source) {
    tls_.emplace_back(std::move(what), std::move(source));
  }

  void start();
  void stop();

 private:
  void wait();
  void reload_tls();

  asio::signal_set signals_;
  std::vector<std::pair<std::string, std::shared_ptr<tls::ContextSource>>> tls_;
  bool stopped_ = false;
};

}  // namespace ferry::app
