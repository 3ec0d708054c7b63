#pragma once
// Process-wide spdlog setup, called once from main before anything logs.
//
// Lines look like "2024-05-01T12:00:00.123Z ferry-broker [info] message": UTC time,
// program name, level; or one JSON object per line (log_formatter.h). Without `file` they
// go to stderr (without the time and name when stderr is the journal, which adds its
// own); with it, appended to that file (one file, no rotation: logrotate does that, and
// SIGHUP re-opens it). Each line is flushed as it is written, so `tail -f` and a crash
// lose nothing.

#include <optional>
#include <string>
#include <string_view>

#include "common/log/log_level.h"

namespace ferry::log {

// Throws config::ConfigError (key "log.level") for a level that isn't one of trace,
// debug, info, warn, error, critical, off; and (key "log.file") if the file can't be
// opened. Replaces the default spdlog logger.
void init_logging(std::string_view program, std::string_view level,
                  std::optional<std::string> file = std::nullopt,
                  LogFormat format = LogFormat::kText);

// Changes the level of the running logger (SIGHUP); false for an unknown name.
bool set_log_level(std::string_view level);

// Opens the log file again by its configured path (after logrotate moved it away) and
// returns that path; nullopt when logging to stderr. Throws spdlog::spdlog_ex if it
// cannot be opened (logging then goes on to the old file). Safe while others log.
std::optional<std::string> reopen_log_file();

}  // namespace ferry::log
