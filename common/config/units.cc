#include "common/config/units.h"

#include <charconv>
#include <limits>
#include <utility>

namespace ferry::config {
namespace {

// Splits "64KiB" into 64 and "KiB". Leading/trailing spaces are tolerated, a space
// between number and unit too ("64 KiB").
std::optional<std::pair<uint64_t, std::string_view>> split_number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return std::pair{value, unit};
}

std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  if (b != 0 && a > std::numeric_limits<uint64_t>::max() / b) return std::nullopt;
  return a * b;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  auto split = split_number(text);
  if (!split) return std::nullopt;
  auto [value, unit] = *split;
  uint64_t ms_per_unit = 0;
  if (unit == "ms")
    ms_per_unit = 1;
  else if (unit == "s")
    ms_per_unit = 1000;
  else if (unit == "m")
    ms_per_unit = 60'000;
  else if (unit == "h")
    ms_per_unit = 3'600'000;
  else if (unit == "d")
    ms_per_unit = 86'400'000;
  else
    return std::nullopt;
  auto ms = checked_mul(value, ms_per_unit);
  if (!ms || *ms > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return Duration(static_cast<int64_t>(*ms));
}

std::optional<uint64_t> parse_bytes(std::string_view text) {
  auto split = split_number(text);
  if (!split) return std::nullopt;
  auto [value, unit] = *split;
  constexpr uint64_t kKi = 1024, kK = 1000;
  uint64_t mult = 0;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "KiB")
    mult = kKi;
  else if (unit == "MiB")
    mult = kKi * kKi;
  else if (unit == "GiB")
    mult = kKi * kKi * kKi;
  else if (unit == "TiB")
    mult = kKi * kKi * kKi * kKi;
  else if (unit == "KB" || unit == "kB")
    mult = kK;
  else if (unit == "MB")
    mult = kK * kK;
  else if (unit == "GB")
    mult = kK * kK * kK;
  else if (unit == "TB")
    mult = kK * kK * kK * kK;
  else
    return std::nullopt;
  return checked_mul(value, mult);
}

std::string format_duration(Duration d) {
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  const int64_t ms = d.count();
  for (const auto& [per, unit] : kUnits) {
    if (ms != 0 && ms % per == 0) return std::to_string(ms / per) + unit;
  }
  return std::to_string(ms) + "ms";
}

std::string format_bytes(uint64_t bytes) {
  static constexpr std::pair<uint64_t, const char*> kUnits[] = {
      {1ull << 40, "TiB"}, {1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}};
  for (const auto& [per, unit] : kUnits) {
    if (bytes != 0 && bytes % per == 0) return std::to_string(bytes / per) + unit;
  }
  return std::to_string(bytes);
}

}  // namespace ferry::config
