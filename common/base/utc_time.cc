#include "common/base/utc_time.h"

#include <cstdio>
#include <ctime>

namespace ferry {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string format_iso_ms(TimeMs t) {
  std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // room for any int the compiler assumes
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<TimeMs> parse_utc_time(std::string_view s, bool hour_end) {
  int y, mo, d, h, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  bool hour_form = false;
  if (s.size() == 13 && s[10] == '/' && digits(s, 11, 2, h)) {
    hour_form = true;
  } else if (s.size() == 20 && s[10] == 'T' && digits(s, 11, 2, h) && s[13] == ':' &&
             digits(s, 14, 2, mi) && s[16] == ':' && digits(s, 17, 2, se) && s[19] == 'Z') {
  } else {
    return std::nullopt;
  }
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  std::time_t t = timegm(&tm);
  // timegm normalizes 2026-02-31 to March: refuse what did not round-trip.
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != d || back.tm_mon != mo - 1) return std::nullopt;
  TimeMs ms = static_cast<TimeMs>(t) * 1000;
  if (hour_form && hour_end) ms += kMsPerHour;
  return ms;
}

}  // namespace ferry
