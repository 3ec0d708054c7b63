#include "agent/event/time_zone.h"

#include <gtest/gtest.h>

#include "agent/event/syslog_time.h"

namespace ferry::agent::event {
namespace {

constexpr TimeMs kHourMs = kMsPerHour;

// 2026-mm-dd hh:00 as ms since the epoch (as UTC).
TimeMs at(unsigned month, unsigned day, int hour) {
  return days_from_civil(2026, month, day) * 86'400'000 + hour * kHourMs;
}

TimeZone new_york() {
  auto z = TimeZone::load("America/New_York");
  EXPECT_TRUE(z) << "tzdata is needed (deploy/install-deps.sh installs it)";
  return z ? *z : TimeZone::utc();
}

TEST(TimeZoneTest, NewYorkIsFiveHoursBehindInWinterAndFourInSummer) {
  const TimeZone ny = new_york();
  EXPECT_EQ(ny.offset_ms_at(at(1, 15, 12)), -5 * kHourMs);
  EXPECT_EQ(ny.offset_ms_at(at(7, 15, 12)), -4 * kHourMs);
  EXPECT_EQ(ny.to_utc(at(1, 15, 7)), at(1, 15, 12));
  EXPECT_EQ(ny.to_utc(at(7, 15, 8)), at(7, 15, 12));
}

// 2026-03-08 02:00 local does not exist, 2026-11-01 01:00 local happens twice.
TEST(TimeZoneTest, TransitionsAreResolvedConsistently) {
  const TimeZone ny = new_york();
  EXPECT_EQ(ny.to_utc(at(3, 8, 1)), at(3, 8, 6));    // 01:00 EST, before the gap
  EXPECT_EQ(ny.to_utc(at(3, 8, 3)), at(3, 8, 7));    // 03:00 EDT, after it
  EXPECT_EQ(ny.to_utc(at(11, 1, 0)), at(11, 1, 4));  // 00:00 EDT
  EXPECT_EQ(ny.to_utc(at(11, 1, 2)), at(11, 1, 7));  // 02:00 EST
}

TEST(TimeZoneTest, UtcNeedsNoTzdataAndUnknownNamesAreRefused) {
  ASSERT_TRUE(TimeZone::load("UTC"));
  EXPECT_EQ(TimeZone::load("UTC")->offset_ms_at(at(7, 1, 0)), 0);
  EXPECT_FALSE(TimeZone::load("Mars/Olympus_Mons"));
  EXPECT_FALSE(TimeZone::load("../../etc/passwd"));
  EXPECT_FALSE(TimeZone::load("/etc/localtime"));
  EXPECT_FALSE(TimeZone::from_tzif("x", "not a tzif file at all, not even close to one"));
}

// The reason for all this: an RFC 3164 line written in New York lands in the right hour.
TEST(TimeZoneTest, Rfc3164LineIsReadInTheSourcesZone) {
  const TimeZone ny = new_york();
  const TimeMs read_time = at(7, 15, 12) + 5'000;
  EXPECT_EQ(parse_syslog_time("<134>Jul 15 08:00:00 h app: x", read_time, &ny), at(7, 15, 12));
  EXPECT_EQ(parse_syslog_time("<134>Jul 15 12:00:00 h app: x", read_time), at(7, 15, 12))
      << "UTC by default";
  // Explicit offsets (RFC 5424) are not touched by the zone.
  EXPECT_EQ(parse_syslog_time("<134>1 2026-07-15T12:00:00Z h app - - x", read_time, &ny),
            at(7, 15, 12));
}

}  // namespace
}  // namespace ferry::agent::event
