#pragma once
// Parsing and printing of the human-friendly values config files use for durations and
// sizes. Pure functions, no state; ConfigReader turns a nullopt into a ConfigError.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::config {

using Duration = std::chrono::milliseconds;

// "250ms", "5s", "2m", "24h", "7d" (one non-negative integer and one unit).
std::optional<Duration> parse_duration(std::string_view text);

// "512", "512B", "64KiB", "1MiB", "2GiB", "1TiB" (powers of 1024) and "10KB", "10MB",
// "10GB", "1TB" (powers of 1000). Non-negative integers only; nullopt on overflow.
std::optional<uint64_t> parse_bytes(std::string_view text);

// The largest whole unit that parses back to the same value: "2h", "1500ms", "1MiB",
// "1000" (bytes with no binary unit stay a plain number).
std::string format_duration(Duration d);
std::string format_bytes(uint64_t bytes);

}  // namespace ferry::config
