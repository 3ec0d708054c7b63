#include "agent/tail/tracked_file.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace ferry::agent::tail {
namespace {

using ferry::testing::TempDir;

std::unique_ptr<FileTailer> open_tailer(const TempDir& dir, const std::string& content = "line\n") {
  ferry::testing::write_file(dir.file("app.log"), content);
  auto t = FileTailer::open(dir.file("app.log"), 1024);
  EXPECT_TRUE(t);
  return std::move(t).value();
}

TEST(TrackedFileTest, LiveFileIsRotatedThenFinishedAfterWaitingAtItsEnd) {
  TempDir dir;
  TrackedFile f(open_tailer(dir), FileState::kLive, 0);
  EXPECT_TRUE(f.readable());
  EXPECT_TRUE(f.seen);
  EXPECT_EQ(f.last_size, 5u);
  EXPECT_TRUE(f.move_away());
  EXPECT_FALSE(f.move_away());  // already known
  EXPECT_EQ(f.state(), FileState::kRotated);
  EXPECT_FALSE(f.done_waiting(1'000, 100));
  f.note_at_end(1'000);
  f.note_at_end(1'050);  // the wait runs from the first time it was found there
  EXPECT_FALSE(f.done_waiting(1'099, 100));
  EXPECT_TRUE(f.done_waiting(1'100, 100));
  f.note_progress();  // it grew: the wait starts again
  EXPECT_FALSE(f.done_waiting(1'100, 100));
  f.finish();
  EXPECT_TRUE(f.finished());
  EXPECT_TRUE(f.rotated());
  EXPECT_FALSE(f.readable());
}

TEST(TrackedFileTest, UndecidedFileIsNotReadAndRemembersAMoveUntilItStarts) {
  TempDir dir;
  TrackedFile f(open_tailer(dir), FileState::kUndecided, 500);
  EXPECT_FALSE(f.readable());
  EXPECT_EQ(f.undecided_since(), 500);
  f.restart_undecided_wait(700);
  EXPECT_EQ(f.undecided_since(), 700);
  EXPECT_TRUE(f.move_away());
  EXPECT_TRUE(f.rotated());
  EXPECT_EQ(f.state(), FileState::kUndecided);
  f.start_reading();
  EXPECT_EQ(f.state(), FileState::kRotated);
}

TEST(TrackedFileTest, WaitingCopyKnowsItsOriginalAndStartsLive) {
  TempDir dir;
  TrackedFile f(open_tailer(dir), FileState::kUndecided, 0);
  f.wait_for_original(3, 4);
  EXPECT_EQ(f.state(), FileState::kWaitingCopy);
  EXPECT_FALSE(f.readable());
  EXPECT_TRUE(f.copy_of(3, 4));
  EXPECT_FALSE(f.copy_of(3, 5));
  EXPECT_TRUE(f.copy_of_any_of({{1, 1}, {3, 4}}));
  EXPECT_EQ(f.original(), std::make_pair(uint64_t{3}, uint64_t{4}));
  f.start_reading();
  EXPECT_EQ(f.state(), FileState::kLive);
  EXPECT_FALSE(f.copy_of(3, 4));
}

TEST(TrackedFileTest, RotatedAtDiscoveryIsNotSeenAtAGlobPath) {
  TempDir dir;
  TrackedFile f(open_tailer(dir), FileState::kRotated, 0);
  EXPECT_FALSE(f.seen);
  EXPECT_TRUE(f.rotated());
  EXPECT_STREQ(to_string(f.state()), "rotated");
}

TEST(TrackedFileDeathTest, TransitionsTheDiagramDoesNotDrawAbort) {
  TempDir dir;
  EXPECT_DEATH(
      {
        TrackedFile f(open_tailer(dir), FileState::kLive, 0);
        f.finish();  // never rotated
      },
      "assertion failed");
  EXPECT_DEATH(
      {
        TrackedFile f(open_tailer(dir), FileState::kLive, 0);
        f.start_reading();  // already reading
      },
      "assertion failed");
  EXPECT_DEATH(
      {
        TrackedFile f(open_tailer(dir), FileState::kRotated, 0);
        f.wait_for_original(1, 2);  // only an undecided file can turn out a copy
      },
      "assertion failed");
  EXPECT_DEATH({ TrackedFile f(open_tailer(dir), FileState::kFinished, 0); }, "assertion failed");
  EXPECT_DEATH(
      {
        TrackedFile f(open_tailer(dir), FileState::kLive, 0);
        (void)f.undecided_since();
      },
      "assertion failed");
}

TEST(TrackedFileTest, FindTrackedFindsByDeviceAndInode) {
  TempDir dir;
  std::vector<TrackedFile> files;
  files.emplace_back(open_tailer(dir), FileState::kLive, 0);
  const auto id = files[0].tailer().identity();
  EXPECT_EQ(find_tracked(files, id.dev, id.ino), &files[0]);
  EXPECT_EQ(find_tracked(files, id.dev, id.ino + 1), nullptr);
}

}  // namespace
}  // namespace ferry::agent::tail
