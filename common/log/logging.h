#pragma once
// Process-wide spdlog setup, called once from main before anything logs.
//
// Lines look like "2024-05-01T12:00:00.123Z ferry-broker [info] message": UTC time,
// program name, level. Without `file` they go to stderr; with it, appended to that file
// (one file, no rotation: logrotate with copytruncate, or journald, does that).

#include <optional>
#include <string>
#include <string_view>

namespace ferry::log {

// Throws config::ConfigError (key "log.level") for a level that isn't one of trace,
// debug, info, warn, error, critical, off; and (key "log.file") if the file can't be
// opened. Replaces the default spdlog logger.
void init_logging(std::string_view program, std::string_view level,
                  std::optional<std::string> file = std::nullopt);

// Opens the log file again by its configured path (after logrotate moved it away) and
// returns that path; nullopt when logging to stderr. Throws spdlog::spdlog_ex if it
// cannot be opened (logging then goes on to the old file). Safe while others log.
std::optional<std::string> reopen_log_file();

// The pattern init_logging installs, for tests and for extra sinks.
std::string log_pattern(std::string_view program);

}  // namespace ferry::log
