#pragma once
// An spdlog sink appending to one file that can be opened again by name (SIGHUP after
// logrotate moved the file away: later lines go to a new file at the configured path).

#include <memory>
#include <mutex>
#include <string>

#include <spdlog/details/file_helper.h>
#include <spdlog/sinks/base_sink.h>

namespace ferry::log {

class ReopenableFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Throws spdlog::spdlog_ex if the file cannot be opened.
  explicit ReopenableFileSink(std::string path);

  // Opens the path again and switches to it; on failure keeps writing to the old file
  // and throws spdlog::spdlog_ex. Thread-safe against concurrent logging.
  void reopen();
  const std::string& path() const { return path_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  std::string path_;
  std::unique_ptr<spdlog::details::file_helper> file_;
};

}  // namespace ferry::log
