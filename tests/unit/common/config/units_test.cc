#include "common/config/units.h"

#include <gtest/gtest.h>

namespace ferry::config {
namespace {

TEST(UnitsTest, ParsesDurations) {
  EXPECT_EQ(parse_duration("200ms"), Duration(200));
  EXPECT_EQ(parse_duration("5s"), Duration(5000));
  EXPECT_EQ(parse_duration("2m"), Duration(120'000));
  EXPECT_EQ(parse_duration("24h"), Duration(86'400'000));
  EXPECT_EQ(parse_duration("7d"), Duration(7 * 86'400'000LL));
  EXPECT_EQ(parse_duration(" 3 s "), Duration(3000));
  EXPECT_EQ(parse_duration("0ms"), Duration(0));
}

TEST(UnitsTest, RejectsBadDurations) {
  for (const char* bad : {"", "5", "s", "5sec", "-5s", "1.5s", "5 s x", "1h30m",
                          "99999999999999999999ms", "9999999999999999h"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(UnitsTest, ParsesSizes) {
  EXPECT_EQ(parse_bytes("512"), 512u);
  EXPECT_EQ(parse_bytes("512B"), 512u);
  EXPECT_EQ(parse_bytes("64KiB"), 64u * 1024);
  EXPECT_EQ(parse_bytes("1MiB"), 1024u * 1024);
  EXPECT_EQ(parse_bytes("2GiB"), 2ULL << 30);
  EXPECT_EQ(parse_bytes("1TiB"), 1ULL << 40);
  EXPECT_EQ(parse_bytes("10KB"), 10'000u);
  EXPECT_EQ(parse_bytes("10MB"), 10'000'000u);
  EXPECT_EQ(parse_bytes("10GB"), 10'000'000'000ULL);
  EXPECT_EQ(parse_bytes("64 KiB"), 64u * 1024);
}

TEST(UnitsTest, RejectsBadSizes) {
  for (const char* bad : {"", "KiB", "1kib", "1XB", "-1", "1.5MiB", "99999999999TiB"}) {
    EXPECT_FALSE(parse_bytes(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ferry::config
