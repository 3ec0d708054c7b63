#include "common/log/log_formatter.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>

namespace ferry::log {
namespace {

// %* in a pattern: the message, escaped for a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string escaped =
        json_escape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

std::string pattern(std::string_view program, LogFormat format, Destination to) {
  // %Y-%m-%dT%H:%M:%S.%e plus a literal Z: the formatter runs in UTC.
  if (format == LogFormat::kJson) {
    return fmt::format(
        R"({{"time":"%Y-%m-%dT%H:%M:%S.%eZ","program":"{}","level":"%l","msg":"%*"}})",
        json_escape(program));
  }
  if (to == Destination::kJournal) return "[%l] %v";
  return fmt::format("%Y-%m-%dT%H:%M:%S.%eZ {} [%l] %v", program);
}

}  // namespace

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        else
          out += c;
    }
  }
  return out;
}

std::unique_ptr<spdlog::formatter> make_formatter(std::string_view program, LogFormat format,
                                                  Destination to) {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<JsonMessageFlag>('*');
  f->set_pattern(pattern(program, format, to));
  return f;
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  return ::fstat(2, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

}  // namespace ferry::log
