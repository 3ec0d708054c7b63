#include "common/base/utc_time.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

constexpr TimeMs k20261202T09 = 1'796'202'000'000;  // 2026-12-02T09:00:00Z

TEST(UtcTimeTest, ParsesBothFormsAndAnHourMeansItsStartOrEnd) {
  EXPECT_EQ(parse_utc_time("2026-12-02T09:00:00Z"), k20261202T09);
  EXPECT_EQ(parse_utc_time("2026-12-02T09:30:15Z"), k20261202T09 + 1'815'000);
  EXPECT_EQ(parse_utc_time("2026-12-02/09"), k20261202T09);
  EXPECT_EQ(parse_utc_time("2026-12-02/09", true), k20261202T09 + kMsPerHour);
  EXPECT_EQ(parse_utc_time("2026-12-02T09:00:00Z", true), k20261202T09)
      << "an instant is not an hour";
  EXPECT_EQ(format_iso_ms(k20261202T09 + 999), "2026-12-02T09:00:00Z");
}

TEST(UtcTimeTest, RefusesWhatIsNotADate) {
  for (const char* bad :
       {"", "yesterday", "2026-12-02", "2026-12-02T09:00:00", "2026-12-02 09:00:00Z",
        "2026-13-01/00", "2026-02-30/00", "2026-12-02/24", "2026-12-02T09:60:00Z", "1969-12-31/23",
        "2026-12-02/9", "2026-12-02/09x"}) {
    EXPECT_FALSE(parse_utc_time(bad)) << bad;
  }
}

}  // namespace
}  // namespace ferry
