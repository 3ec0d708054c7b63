#include "common/app/hangup_handler.h"

#include <spdlog/spdlog.h>

#include "common/log/logging.h"

namespace ferry::app {
namespace {

void reopen_log() {
  try {
    auto path = log::reopen_log_file();
    if (path) {
      spdlog::info("SIGHUP: log file {} reopened", *path);
    } else {
      spdlog::info("SIGHUP: logging to stderr, nothing to reopen");
    }
  } catch (const std::exception& e) {
    spdlog::error("SIGHUP: cannot reopen the log file ({}); still writing to the old one", e.what());
  }
}

}  // namespace

void HangupHandler::start() { wait(); }

void HangupHandler::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  signals_.cancel(ignored);
}

void HangupHandler::wait() {
  signals_.async_wait([this](boost::system::error_code ec, int) {
    if (ec || stopped_) return;
    reopen_log();
    reload_tls();
    spdlog::default_logger_raw()->flush();  // the operator is looking for these lines now
    wait();
  });
}

void HangupHandler::reload_tls() {
  for (const auto& [what, source] : tls_) {
    auto reloaded = source->reload();
    if (reloaded) {
      const auto& o = source->options();
      spdlog::info("SIGHUP: {} reloaded (cert {}, ca {}, crl {}); new connections use it", what, o.cert_file,
                   o.ca_file, o.crl_file.empty() ? "none" : o.crl_file);
    } else {
      spdlog::error("SIGHUP: cannot reload {}: {}; new connections keep the previous one", what,
                    reloaded.error().text);
    }
  }
}

}  // namespace ferry::app
