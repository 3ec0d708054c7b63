#include "common/log/logging.h"

#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/config/config_error.h"
#include "common/log/reopenable_file_sink.h"

namespace ferry::log {
namespace {

// The file sink init_logging installed, for reopen_log_file(); null when logging to stderr.
std::shared_ptr<ReopenableFileSink> file_sink;

// spdlog::level::from_str maps anything unknown to "off", which would silence a typo'd
// config; so only the documented names are accepted.
std::optional<spdlog::level::level_enum> parse_level(std::string_view level) {
  using L = spdlog::level::level_enum;
  if (level == "trace") return L::trace;
  if (level == "debug") return L::debug;
  if (level == "info") return L::info;
  if (level == "warn" || level == "warning") return L::warn;
  if (level == "error") return L::err;
  if (level == "critical") return L::critical;
  if (level == "off") return L::off;
  return std::nullopt;
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
        fmt::format("unknown level \"{}\" (use trace, debug, info, warn, error, critical, off)",
                    level));
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
