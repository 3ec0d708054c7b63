#include "agent/tail/unopened_files.h"

#include <gtest/gtest.h>

namespace ferry::agent::tail {
namespace {

TEST(UnopenedFilesTest, FirstFailureIsReportedAndRetriesBackOff) {
  UnopenedFiles files;
  EXPECT_TRUE(files.due("a", 0));
  EXPECT_TRUE(files.failed("a", 0));
  EXPECT_FALSE(files.due("a", kUnopenedRetryFirst.count() - 1));
  EXPECT_TRUE(files.due("a", kUnopenedRetryMax.count()));
  TimeMs now = 0;
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(files.failed("a", now)) << "reported once";
    now += kUnopenedRetryMax.count();
  }
  EXPECT_TRUE(files.due("a", now)) << "never waits longer than the cap";
  EXPECT_TRUE(files.due("b", 0)) << "other paths are not held back";
}

TEST(UnopenedFilesTest, OpeningAtLastIsReportedOnceAndStartsAfresh) {
  UnopenedFiles files;
  EXPECT_TRUE(files.failed("a", 0));
  EXPECT_TRUE(files.opened("a"));
  EXPECT_FALSE(files.opened("a"));
  EXPECT_TRUE(files.due("a", 0));
  EXPECT_TRUE(files.failed("a", 0)) << "a new failure is news again";
}

TEST(UnopenedFilesTest, PathsGoneFromTheGlobsAreForgotten) {
  UnopenedFiles files;
  (void)files.failed("a", 0);
  (void)files.failed("b", 0);
  files.keep_only({"b"});
  EXPECT_EQ(files.size(), 1u);
  EXPECT_TRUE(files.due("a", 0));
  EXPECT_FALSE(files.due("b", 0));
}

}  // namespace
}  // namespace ferry::agent::tail
