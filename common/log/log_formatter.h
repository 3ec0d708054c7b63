#pragma once
// The line formats of common/log (spdlog formatters, all in UTC):
//   text, to a file or a terminal:  2024-05-01T12:00:00.123Z ferry-broker [info] message
//   text, to journald:              [info] message   (the journal stamps time and program)
//   json:  {"time":"2024-05-01T12:00:00.123Z","program":"ferry-broker","level":"info","msg":"..."}

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

#include "common/log/log_level.h"

namespace ferry::log {

enum class Destination { kFile, kTerminal, kJournal };

std::unique_ptr<spdlog::formatter> make_formatter(std::string_view program, LogFormat format,
                                                  Destination to);

// True when stderr is the stream systemd connected to the journal ($JOURNAL_STREAM names
// its device and inode).
bool stderr_is_journal();

// `text` as the body of a JSON string (quotes, backslashes, control characters escaped).
std::string json_escape(std::string_view text);

}  // namespace ferry::log
