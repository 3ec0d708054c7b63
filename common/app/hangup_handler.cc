#include "common/app/hangup_handler.h"

#include <spdlog/spdlog.h>

#include "common/log/logging.h"

namespace ferry::app {
namespace {

void reopen_log() {
  try {
    auto path = log::reopen_log_file();
    if (path) {
      spdlog::info("SIGHUP: log file {} reopened; full config reload is not supported yet", *path);
    } else {
      spdlog::info("SIGHUP: logging to stderr, nothing to reopen; full config reload is not supported yet");
    }
  } catch (const std::exception& e) {
    spdlog::error("SIGHUP: cannot reopen the log file ({}); still writing to the old one", e.what());
  }
  spdlog::default_logger_raw()->flush();  // the operator is looking for this line now
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
    wait();
  });
}

}  // namespace ferry::app
