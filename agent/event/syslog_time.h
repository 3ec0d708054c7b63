#pragma once
// Event time from a syslog line (DESIGN §3). Recognised at the start of a line:
//
//   RFC 5424   "<165>1 2026-11-23T06:57:01.123Z host app ..."   (any offset, fraction)
//   ISO 8601   "2026-11-23T06:57:01+02:00 ..." or "2026-11-23 06:57:01.5 ..." (no zone = UTC)
//   RFC 3164   "<134>Nov 23 06:57:01 host app: ..." or the same without "<PRI>"
//
// RFC 3164 carries no year and no zone: the time is read in `zone` (the source's
// `timezone`; UTC if null), and the year is the
// one that puts it nearest to `read_time`, but never more than kMaxFutureMs ahead of it
// (so "Dec 31 23:59:59" read on Jan 1 is last year, "Jan 1 00:00:01" read at Dec 31
// 23:59:58 with a fast writer clock is next year).
//
// Returns nullopt when the line has no recognisable, valid timestamp; the caller then
// uses the read time. Hand-written scanning: no regex, no locale, no allocation.

#include <optional>
#include <string_view>

#include "agent/event/time_zone.h"
#include "common/base/clock.h"

namespace ferry::agent::event {

constexpr TimeMs kMaxFutureMs = 24 * kMsPerHour;

std::optional<TimeMs> parse_syslog_time(std::string_view line, TimeMs read_time,
                                        const TimeZone* zone = nullptr);

// The two halves, exposed for tests. Both expect the text right after any "<PRI>" (and,
// for 5424, after the version).
std::optional<TimeMs> parse_iso8601(std::string_view s);
std::optional<TimeMs> parse_rfc3164(std::string_view s, TimeMs read_time,
                                    const TimeZone* zone = nullptr);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace ferry::agent::event
