#include "common/log/logging.h"

#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/config/config_error.h"
#include "common/log/log_formatter.h"
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

void init_logging(std::string_view program, std::string_view level, std::optional<std::string> file,
                  LogFormat format) {
  auto parsed = parse_level(level);
  if (!parsed) {
    throw config::ConfigError("", "log.level",
                              fmt::format("unknown level \"{}\" ({})", level, kLevelHint));
  }
  spdlog::sink_ptr sink;
  Destination to = Destination::kFile;
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
    to = stderr_is_journal() ? Destination::kJournal : Destination::kTerminal;
  }
  auto logger = std::make_shared<spdlog::logger>(std::string(program), std::move(sink));
  logger->set_formatter(make_formatter(program, format, to));
  logger->set_level(*parsed);
  // Line-buffered: every line reaches the file (or the journal) as it is logged.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

bool set_log_level(std::string_view level) {
  auto parsed = parse_level(level);
  if (!parsed) return false;
  spdlog::default_logger_raw()->set_level(*parsed);
  return true;
}

std::optional<std::string> reopen_log_file() {
  if (!file_sink) return std::nullopt;
  file_sink->reopen();
  return file_sink->path();
}

}  // namespace ferry::log
