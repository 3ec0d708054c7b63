#pragma once
// The names [log] level and [log] format accept. Kept free of spdlog so config validation (and the
// config fuzz target) can check a level without the logging library.

#include <array>
#include <optional>
#include <string_view>

namespace ferry::log {

// In spdlog's order: the index is the spdlog::level::level_enum value.
inline constexpr std::array<std::string_view, 7> kLevelNames = {"trace", "debug",    "info", "warn",
                                                                "error", "critical", "off"};

inline constexpr std::string_view kLevelHint = "use trace, debug, info, warn, error, critical, off";

// spdlog's own from_str maps anything unknown to "off", which would silence a typo'd
// config; so only these names (and "warning") are accepted.
inline std::optional<int> level_index(std::string_view name) {
  if (name == "warning") name = "warn";
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

// [log] format: "text" lines, or one JSON object per line for log shippers.
enum class LogFormat { kText, kJson };

inline std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

}  // namespace ferry::log
