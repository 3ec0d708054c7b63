#include "agent/event/syslog_time.h"

#include <gtest/gtest.h>

namespace ferry::agent::event {
namespace {

TimeMs utc(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
  return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000 + ms;
}

TEST(SyslogTimeTest, DaysFromCivilMatchesKnownDates) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(utc(2026, 11, 23, 6, 57, 1), 1795417021000);
}

TEST(SyslogTimeTest, Rfc3164WithPriAndWithout) {
  const TimeMs read = utc(2026, 11, 23, 7, 0, 0);
  EXPECT_EQ(parse_syslog_time("<134>Nov 23 06:57:01 host app: hi\n", read),
            utc(2026, 11, 23, 6, 57, 1));
  EXPECT_EQ(parse_syslog_time("Nov 23 06:57:01 host app: hi", read), utc(2026, 11, 23, 6, 57, 1));
  EXPECT_EQ(parse_syslog_time("Nov  3 06:57:01 host", read), utc(2026, 11, 3, 6, 57, 1));
  EXPECT_EQ(parse_syslog_time("Nov 03 06:57:01.250 host", read), utc(2026, 11, 3, 6, 57, 1, 250));
}

TEST(SyslogTimeTest, Rfc3164DecemberLineReadInJanuaryIsLastYear) {
  const TimeMs read = utc(2027, 1, 1, 0, 5, 0);
  EXPECT_EQ(parse_syslog_time("Dec 31 23:59:59 h a: x", read), utc(2026, 12, 31, 23, 59, 59));
}

TEST(SyslogTimeTest, Rfc3164JanuaryLineReadOnDecember31IsNextYear) {
  const TimeMs read = utc(2026, 12, 31, 23, 59, 58);
  EXPECT_EQ(parse_syslog_time("Jan  1 00:00:01 h a: x", read), utc(2027, 1, 1, 0, 0, 1));
}

TEST(SyslogTimeTest, Rfc3164NeverMoreThanADayAhead) {
  const TimeMs read = utc(2026, 6, 10, 12, 0, 0);
  // Two days ahead of the read time: taken as last year, not the near future.
  EXPECT_EQ(parse_syslog_time("Jun 12 12:00:00 h", read), utc(2025, 6, 12, 12, 0, 0));
  EXPECT_EQ(parse_syslog_time("Jun 11 06:00:00 h", read), utc(2026, 6, 11, 6, 0, 0));
}

TEST(SyslogTimeTest, Rfc3164Feb29PicksALeapYear) {
  EXPECT_EQ(parse_syslog_time("Feb 29 10:00:00 h", utc(2029, 1, 10, 0, 0, 0)),
            utc(2028, 2, 29, 10, 0, 0));
  // No leap year at or before the read time within reach: no valid date.
  EXPECT_EQ(parse_syslog_time("Feb 29 10:00:00 h", utc(2027, 6, 1, 0, 0, 0)), std::nullopt);
}

TEST(SyslogTimeTest, Rfc5424WithFractionAndOffsets) {
  EXPECT_EQ(parse_syslog_time("<165>1 2026-11-23T06:57:01.123Z host app - - - msg", 0),
            utc(2026, 11, 23, 6, 57, 1, 123));
  EXPECT_EQ(parse_syslog_time("<165>1 2026-11-23T08:57:01.123456+02:00 host", 0),
            utc(2026, 11, 23, 6, 57, 1, 123));
  EXPECT_EQ(parse_syslog_time("<165>1 2026-11-23T01:27:01-0530 host", 0),
            utc(2026, 11, 23, 6, 57, 1));
  EXPECT_EQ(parse_syslog_time("<165>1 - host app - - - no time", 0), std::nullopt);
}

TEST(SyslogTimeTest, BareIsoAtLineStart) {
  EXPECT_EQ(parse_syslog_time("2026-11-23T06:57:01Z foo", 0), utc(2026, 11, 23, 6, 57, 1));
  EXPECT_EQ(parse_syslog_time("2026-11-23 06:57:01,5 INFO foo", 0),
            utc(2026, 11, 23, 6, 57, 1, 500));
  EXPECT_EQ(parse_syslog_time("2026-11-23T06:57:01", 0), utc(2026, 11, 23, 6, 57, 1));
}

TEST(SyslogTimeTest, GarbageIsNullopt) {
  const TimeMs read = utc(2026, 11, 23, 7, 0, 0);
  for (const char* line :
       {"", "\n", "hello world", "<134>", "<134", "<1345>Nov 23 06:57:01 x", "Foo 23 06:57:01 h",
        "Nov 32 06:57:01 h", "Nov 23 24:00:00 h", "Nov 23 06:57", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-23T06:57:01+2", "2026-11-23T06:57:01Zjunk",
        "2026-11-23X06:57:01Z", "Nov 23 06:57:01x"}) {
    EXPECT_EQ(parse_syslog_time(line, read), std::nullopt) << line;
  }
}

}  // namespace
}  // namespace ferry::agent::event
