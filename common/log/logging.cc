#include "common/log/logging.h"

#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/config/config_error.h"
#include "common/log/log_level.h"
#include "common/log/reopenable_file_sink.h"

namespace ferry::log {
namespace {

// The file sink init_logging installed, for reopen_log_file(); null when logging to stderr.
std::shared_ptr<ReopenableFileSink> file_sink;

std::optional<spdlog::level::level_enum> parse_level(std::string_view level) {
  auto index = level_index(level);
  if (!index) return std::nullopt;
  return static_cast<spdlog::level::level_enum>(*index);
}

}  // namespace

std::string log_pattern(std::string_view program) {
  // %Y-%m-%dT%H:%M:%S.%e plus a literal Z: the formatter runs in UTC (see below).
  return fmt::format("%Y-%m-%dT%H:%M:%S.%eZ {} [%l] %v", program);
}

void init_logging(std::string_view program, std::string_view level,
                  std::optional<std::string> file) {
  auto parsed = parse_level(level);
  if (!parsed) {
    throw config::ConfigError(
        "", "log.level",
        fmt::format("unknown level \"{}\" ({})", level, kLevelHint));
  }
  spdlog::sink_ptr sink;
  if (file) {
    try {
      file_sink = std::make_shared<ReopenableFileSink>(*file);
      sink = file_sink;
    } catch (const spdlog::spdlog_ex& e) {
      throw config::ConfigError("", "log.file", fmt::format("cannot open {}: {}", *file, e.what()));
    }
  } else {
    file_sink.reset();
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  auto logger = std::make_shared<spdlog::logger>(std::string(program), std::move(sink));
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      log_pattern(program), spdlog::pattern_time_type::utc));
  logger->set_level(*parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  // A file is buffered: without this, info lines would reach it only in 4 KiB steps.
  if (file_sink) spdlog::flush_every(std::chrono::seconds(1));
}

std::optional<std::string> reopen_log_file() {
  if (!file_sink) return std::nullopt;
  file_sink->reopen();
  return file_sink->path();
}

}  // namespace ferry::log
