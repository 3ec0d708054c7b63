#include "agent/event/time_zone.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace ferry::agent::event {
namespace {

constexpr size_t kHeaderBytes = 44;

uint32_t be32(std::string_view s, size_t pos) {
  return (uint32_t{static_cast<uint8_t>(s[pos])} << 24) |
         (uint32_t{static_cast<uint8_t>(s[pos + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[pos + 2])} << 8) |
         uint32_t{static_cast<uint8_t>(s[pos + 3])};
}

int64_t be64(std::string_view s, size_t pos) {
  return static_cast<int64_t>((uint64_t{be32(s, pos)} << 32) | be32(s, pos + 4));
}

struct Counts {
  uint32_t isut, isstd, leap, time, type, chars;
};

std::optional<Counts> header(std::string_view s, size_t pos) {
  if (s.size() < pos + kHeaderBytes || s.substr(pos, 4) != "TZif") return std::nullopt;
  return Counts{be32(s, pos + 20), be32(s, pos + 24), be32(s, pos + 28),
                be32(s, pos + 32), be32(s, pos + 36), be32(s, pos + 40)};
}

size_t data_bytes(const Counts& c, size_t time_bytes) {
  return c.time * time_bytes + c.time + c.type * 6 + c.chars + c.leap * (time_bytes + 4) + c.isstd +
         c.isut;
}

// A name a config may give: relative, no "..", the characters IANA names use.
bool plausible_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '-' || c == '+';
  });
}

std::optional<std::string> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TimeZone TimeZone::utc() {
  TimeZone z;
  z.name_ = "UTC";
  return z;
}

std::optional<TimeZone> TimeZone::from_tzif(std::string name, std::string_view s) {
  auto v1 = header(s, 0);
  if (!v1) return std::nullopt;
  // Version 2+ repeats the data with 64-bit times after the 32-bit block: use that one.
  size_t pos = 0;
  size_t time_bytes = 4;
  Counts c = *v1;
  if (s[4] >= '2') {
    pos = kHeaderBytes + data_bytes(*v1, 4);
    auto v2 = header(s, pos);
    if (!v2) return std::nullopt;
    c = *v2;
    time_bytes = 8;
  }
  pos += kHeaderBytes;
  if (c.type == 0 || s.size() < pos + data_bytes(c, time_bytes)) return std::nullopt;
  const size_t times_at = pos, indices_at = times_at + c.time * time_bytes,
               types_at = indices_at + c.time;
  auto type_offset = [&](uint32_t i) { return static_cast<int32_t>(be32(s, types_at + i * 6)); };
  TimeZone z;
  z.name_ = std::move(name);
  z.initial_offset_s_ = type_offset(0);  // RFC 8536: type 0 before the first transition
  for (uint32_t i = 0; i < c.time; ++i) {
    const int64_t at = time_bytes == 8 ? be64(s, times_at + i * 8)
                                       : static_cast<int32_t>(be32(s, times_at + i * 4));
    const auto type = static_cast<uint8_t>(s[indices_at + i]);
    if (type >= c.type || (!z.transitions_s_.empty() && at <= z.transitions_s_.back()))
      return std::nullopt;
    z.transitions_s_.push_back(at);
    z.offsets_s_.push_back(type_offset(type));
  }
  return z;
}

std::optional<TimeZone> TimeZone::load(const std::string& name, const std::string& zoneinfo_dir) {
  if (name == "UTC" || name == "Etc/UTC") return utc();  // needs no tzdata
  if (!plausible_name(name)) return std::nullopt;
  auto bytes = read_all(zoneinfo_dir + "/" + name);
  if (!bytes) return std::nullopt;
  return from_tzif(name, *bytes);
}

TimeZone TimeZone::local() {
  if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
    std::string name = *tz == ':' ? tz + 1 : tz;
    if (!name.empty() && name.front() == '/') {
      if (auto bytes = read_all(name)) {
        if (auto z = from_tzif(name, *bytes)) return *z;
      }
    } else if (auto z = load(name)) {
      return *z;
    }
  }
  if (auto bytes = read_all("/etc/localtime")) {
    if (auto z = from_tzif("localtime", *bytes)) return *z;
  }
  return utc();
}

int64_t TimeZone::offset_ms_at(TimeMs utc) const {
  const int64_t s = utc >= 0 ? utc / 1000 : (utc - 999) / 1000;
  auto it = std::upper_bound(transitions_s_.begin(), transitions_s_.end(), s);
  if (it == transitions_s_.begin()) return int64_t{initial_offset_s_} * 1000;
  return int64_t{offsets_s_[static_cast<size_t>(it - transitions_s_.begin()) - 1]} * 1000;
}

TimeMs TimeZone::to_utc(TimeMs local) const {
  // The offset at the local time read as UTC is right except within a day of a
  // transition; one more look settles it.
  const int64_t guess = offset_ms_at(local);
  const int64_t at_guess = offset_ms_at(local - guess);
  return local - at_guess;
}

}  // namespace ferry::agent::event
