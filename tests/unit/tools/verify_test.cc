// ferryctl verify: a missing line is lost only when no agent holds it any more.

#include "tools/ferryctl/verify.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/temp_dir.h"

namespace ferry::ferryctl {
namespace {

TEST(VerifyTest, MissingLinesAnAgentHoldsAreInFlightNotLost) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.file("in/h1"));
  std::filesystem::create_directories(dir.file("out/c/2026/01/01/00"));
  testing::write_file(dir.file("in/h1/c.log"), "a id=h1:c:1 x\na id=h1:c:2 x\na id=h2:c:1 x\n");
  testing::write_file(dir.file("out/c/2026/01/01/00/part-c1-1.log"), "a id=h1:c:1 x\n");

  auto plain = run_verify(dir.file("in"), dir.file("out"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain.value().lost, 2u);
  EXPECT_EQ(plain.value().in_flight, 0u);

  // h1's agent still holds stream h1:c; h2's holds nothing.
  auto held = run_verify(dir.file("in"), dir.file("out"), 5,
                         [](std::string_view id) { return id.starts_with("h1:"); });
  ASSERT_TRUE(held);
  EXPECT_EQ(held.value().delivered, 1u);
  EXPECT_EQ(held.value().in_flight, 1u);
  EXPECT_EQ(held.value().in_flight_examples, std::vector<std::string>{"h1:c:2"});
  EXPECT_EQ(held.value().lost, 1u);
  EXPECT_EQ(held.value().lost_examples, std::vector<std::string>{"h2:c:1"});
  EXPECT_FALSE(held.value().ok());
}

}  // namespace
}  // namespace ferry::ferryctl
