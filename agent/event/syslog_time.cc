#include "agent/event/syslog_time.h"

#include <cstdint>

namespace ferry::agent::event {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at s[pos]; false if any is not a digit.
bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool valid_time(int h, int mi, int s) { return h < 24 && mi < 60 && s < 61; }  // 60: leap second

TimeMs to_ms(int64_t y, unsigned mo, unsigned d, int h, int mi, int s, int ms) {
  // A leap second (:60) is folded into the next second, as POSIX time does.
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  return secs * 1000 + ms;
}

// After the seconds: optional ".fff..." (any number of digits, truncated to ms).
size_t fraction(std::string_view s, size_t pos, int& ms) {
  ms = 0;
  if (pos >= s.size() || (s[pos] != '.' && s[pos] != ',')) return pos;
  size_t i = pos + 1;
  int scale = 100;
  while (i < s.size() && is_digit(s[i])) {
    ms += (s[i] - '0') * scale;
    scale /= 10;
    ++i;
  }
  return i == pos + 1 ? pos : i;  // a lone '.' is not a fraction
}

// What may follow a timestamp: end of line or a separator.
bool boundary(std::string_view s, size_t pos) {
  return pos >= s.size() || s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r' ||
         s[pos] == ':' || s[pos] == ']';
}

int month_from_abbrev(std::string_view s) {
  if (s.size() < 3) return 0;
  // Case-sensitive as RFC 3164 writes them; a 3-char switch keeps it cheap.
  const uint32_t key = (static_cast<uint8_t>(s[0]) << 16) | (static_cast<uint8_t>(s[1]) << 8) |
                       static_cast<uint8_t>(s[2]);
  switch (key) {
    case ('J' << 16) | ('a' << 8) | 'n':
      return 1;
    case ('F' << 16) | ('e' << 8) | 'b':
      return 2;
    case ('M' << 16) | ('a' << 8) | 'r':
      return 3;
    case ('A' << 16) | ('p' << 8) | 'r':
      return 4;
    case ('M' << 16) | ('a' << 8) | 'y':
      return 5;
    case ('J' << 16) | ('u' << 8) | 'n':
      return 6;
    case ('J' << 16) | ('u' << 8) | 'l':
      return 7;
    case ('A' << 16) | ('u' << 8) | 'g':
      return 8;
    case ('S' << 16) | ('e' << 8) | 'p':
      return 9;
    case ('O' << 16) | ('c' << 8) | 't':
      return 10;
    case ('N' << 16) | ('o' << 8) | 'v':
      return 11;
    case ('D' << 16) | ('e' << 8) | 'c':
      return 12;
    default:
      return 0;
  }
}

// Skips "<PRI>" (1..3 digits) if present; returns the position after it, or 0.
size_t skip_pri(std::string_view s) {
  if (s.empty() || s[0] != '<') return 0;
  size_t i = 1;
  while (i < s.size() && i <= 4 && is_digit(s[i])) ++i;
  if (i == 1 || i > 4 || i >= s.size() || s[i] != '>') return 0;
  return i + 1;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  // H. Hinnant's algorithm (chrono-Compatible Low-Level Date Algorithms).
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<TimeMs> parse_iso8601(std::string_view s) {
  // YYYY-MM-DD[T ]hh:mm:ss[.f+][Z|(+|-)hh[:]mm]
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo) ||
      !valid_time(h, mi, sec)) {
    return std::nullopt;
  }
  int ms;
  size_t pos = fraction(s, 19, ms);
  int64_t offset_min = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    int oh, om;
    if (!digits(s, pos + 1, 2, oh)) return std::nullopt;
    size_t p = pos + 3;
    if (p < s.size() && s[p] == ':') ++p;
    if (!digits(s, p, 2, om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_min = sign * (oh * 60 + om);
    pos = p + 2;
  }
  if (!boundary(s, pos)) return std::nullopt;
  // Local time = UTC + offset, so UTC = local - offset.
  return to_ms(y, mo, d, h, mi, sec, ms) - offset_min * 60'000;
}

std::optional<TimeMs> parse_rfc3164(std::string_view s, TimeMs read_time, const TimeZone* zone) {
  // "Mmm dd hh:mm:ss" with dd space-padded ("Nov  3") or zero-padded ("Nov 03").
  if (s.size() < 15 || s[3] != ' ') return std::nullopt;
  const int mo = month_from_abbrev(s);
  if (mo == 0) return std::nullopt;
  int d;
  if (s[4] == ' ') {
    if (!digits(s, 5, 1, d)) return std::nullopt;
  } else if (!digits(s, 4, 2, d)) {
    return std::nullopt;
  }
  int h, mi, sec;
  if (s[6] != ' ' || !digits(s, 7, 2, h) || s[9] != ':' || !digits(s, 10, 2, mi) || s[12] != ':' ||
      !digits(s, 13, 2, sec) || !valid_time(h, mi, sec) || d < 1) {
    return std::nullopt;
  }
  int ms;
  size_t pos = fraction(s, 15, ms);
  if (!boundary(s, pos)) return std::nullopt;

  // Year inference: try the read year and its neighbours.
  const int64_t read_days = (read_time >= 0 ? read_time : read_time - 86'399'999) / 86'400'000;
  // Civil year of read_days (inverse of days_from_civil, year part only).
  int64_t ry = 1970 + read_days / 365;
  while (days_from_civil(ry, 1, 1) > read_days) --ry;
  while (days_from_civil(ry + 1, 1, 1) <= read_days) ++ry;

  std::optional<TimeMs> best;
  for (int64_t y = ry - 1; y <= ry + 1; ++y) {
    if (static_cast<unsigned>(d) > days_in_month(y, mo)) continue;  // Feb 29
    const TimeMs local = to_ms(y, mo, d, h, mi, sec, ms);
    const TimeMs t = zone != nullptr ? zone->to_utc(local) : local;
    if (t > read_time + kMaxFutureMs) continue;
    const TimeMs dist = t > read_time ? t - read_time : read_time - t;
    if (!best || dist < (*best > read_time ? *best - read_time : read_time - *best)) best = t;
  }
  return best;
}

std::optional<TimeMs> parse_syslog_time(std::string_view line, TimeMs read_time,
                                        const TimeZone* zone) {
  const size_t pri_end = skip_pri(line);
  std::string_view s = line.substr(pri_end);
  if (s.empty()) return std::nullopt;
  if (is_digit(s[0])) {
    // RFC 5424: "<PRI>VERSION SP TIMESTAMP"; VERSION is 1..3 digits. Only after a PRI,
    // so that a bare ISO timestamp ("2026-...") is not taken for a version.
    if (pri_end > 0) {
      size_t i = 0;
      while (i < s.size() && i < 3 && is_digit(s[i])) ++i;
      if (i < s.size() && s[i] == ' ') return parse_iso8601(s.substr(i + 1));
    }
    return parse_iso8601(s);
  }
  return parse_rfc3164(s, read_time, zone);
}

}  // namespace ferry::agent::event
