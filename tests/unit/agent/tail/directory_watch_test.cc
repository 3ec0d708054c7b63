#include "agent/tail/directory_watch.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace ferry::agent::tail {
namespace {

using ferry::testing::TempDir;

TEST(DirectoryWatchTest, ChangesInAWatchedDirectoryAreDrainedOnce) {
  TempDir dir;
  DirectoryWatch watch;
  watch.start("cat", {dir.path().string()});
  ASSERT_GE(watch.fd(), 0);
  EXPECT_FALSE(watch.drain());  // nothing happened yet
  ferry::testing::write_file(dir.file("app.log"), "line\n");
  EXPECT_TRUE(watch.drain());
  EXPECT_FALSE(watch.drain());  // drained
}

TEST(DirectoryWatchTest, ADirectoryThatCannotBeWatchedIsLeftToPolling) {
  TempDir dir;
  DirectoryWatch watch;
  watch.start("cat", {dir.file("missing"), dir.path().string()});
  ASSERT_GE(watch.fd(), 0);  // the other directory is still watched
  ferry::testing::write_file(dir.file("a.log"), "x\n");
  EXPECT_TRUE(watch.drain());
}

TEST(DirectoryWatchTest, NotStartedHasNoDescriptorAndNothingToDrain) {
  DirectoryWatch watch;
  EXPECT_EQ(watch.fd(), -1);
  EXPECT_FALSE(watch.drain());
}

}  // namespace
}  // namespace ferry::agent::tail
