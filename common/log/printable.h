#pragma once
// printable(): peer-supplied text (ERROR frame text, HELLO names, host and category
// names) made safe to put in a log line. A peer must not be able to forge a log line
// with a newline, hide text with terminal escapes, or flood the log with one field.

#include <cstddef>
#include <string>
#include <string_view>

namespace ferry::log {

// `text` with every control character (C0, DEL, C1), every byte that is not part of
// valid UTF-8 and the backslash written as \xNN (backslash as \\), so the result is one
// line and unambiguous. Valid UTF-8 otherwise passes through. Text longer than
// `max_bytes` is cut there (on a character boundary) and marked "…(+N bytes)", so one
// field stays within about 4 × max_bytes.
std::string printable(std::string_view text, size_t max_bytes = 256);

}  // namespace ferry::log
