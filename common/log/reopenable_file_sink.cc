#include "common/log/reopenable_file_sink.h"

#include <utility>

namespace ferry::log {
namespace {

std::unique_ptr<spdlog::details::file_helper> open_for_append(const std::string& path) {
  auto file = std::make_unique<spdlog::details::file_helper>();
  file->open(path, /*truncate=*/false);
  return file;
}

}  // namespace

ReopenableFileSink::ReopenableFileSink(std::string path)
    : path_(std::move(path)), file_(open_for_append(path_)) {}

void ReopenableFileSink::reopen() {
  // Opened before the lock and the swap: a failure leaves the old file in place.
  auto fresh = open_for_append(path_);
  std::lock_guard<std::mutex> lock(mutex_);
  file_->flush();
  file_ = std::move(fresh);
}

void ReopenableFileSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  file_->write(formatted);
}

void ReopenableFileSink::flush_() { file_->flush(); }

}  // namespace ferry::log
