#include "common/storage/durable_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/temp_dir.h"

namespace ferry::storage {
namespace {

TEST(DurableFileTest, WritesReplacesAndReads) {
  ferry::testing::TempDir dir;
  const auto p = dir.file("f");
  ASSERT_TRUE(durable_write(p, "one"));
  ASSERT_TRUE(durable_write(p, "two!"));
  auto r = read_whole_file(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value(), "two!");
  EXPECT_FALSE(std::filesystem::exists(p + ".tmp"));
}

TEST(DurableFileTest, MissingFileIsNoSuchFile) {
  ferry::testing::TempDir dir;
  auto r = read_whole_file(dir.file("nope"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::no_such_file_or_directory);
  EXPECT_FALSE(durable_write(dir.file("no/such/dir/f"), "x"));
}

}  // namespace
}  // namespace ferry::storage
