#include "agent/file_release.h"

#include <cstdio>

#include <gtest/gtest.h>

#include "tests/unit/agent/stream_fixture.h"

namespace ferry::agent {
namespace {

using ferry::testing::write_file;
using testing::StreamFixture;

// app.log is read, batched (seq 1, unacked) and renamed out of the globs; the watcher
// reads it to its end and finishes it.
struct Finished : StreamFixture {
  Finished() {
    write_file(dir.file("app.log"), "line\n");
    start();
    StreamBatcher::Outbox out;
    read_all(out);
    EXPECT_TRUE(stream->cut_if_lingered(std::chrono::milliseconds(0), out));
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(std::rename(dir.file("app.log").c_str(), dir.file("moved.txt").c_str()), 0);
    EXPECT_TRUE(stream->watcher().poll());
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(stream->watcher().read_some(1 << 20));
    EXPECT_EQ(stream->watcher().finished_files().size(), 1u);
    streams.emplace("app", std::move(*stream));
  }
  tail::SourceWatcher& watcher() { return streams.at("app").watcher(); }
  std::vector<SourceConfig> sources() const {
    SourceConfig s;
    s.category = "app";
    s.paths = options.globs;
    return {s};
  }

  std::map<std::string, StreamBatcher> streams;
};

TEST(FileReleaseTest, FinishedFileIsHeldUntilItsBatchesAreDelivered) {
  Finished f;
  release_finished_files(f.streams, *f.checkpoint);
  EXPECT_EQ(f.watcher().finished_files().size(), 1u);  // seq 1 may have to be read again
  ASSERT_EQ(f.checkpoint->mark_delivered("app", 1), 1u);
  release_finished_files(f.streams, *f.checkpoint);
  EXPECT_TRUE(f.watcher().finished_files().empty());
  EXPECT_TRUE(f.watcher().files().empty());
}

TEST(FileReleaseTest, PositionOfAFileGoneFromTheGlobsIsForgottenOnceNothingNeedsIt) {
  Finished f;
  ASSERT_EQ(f.checkpoint->positions("app").size(), 1u);
  prune_positions(f.sources(), f.streams, *f.checkpoint);
  EXPECT_EQ(f.checkpoint->positions("app").size(), 1u);  // unacked, and still tracked
  ASSERT_EQ(f.checkpoint->mark_delivered("app", 1), 1u);
  prune_positions(f.sources(), f.streams, *f.checkpoint);
  EXPECT_EQ(f.checkpoint->positions("app").size(), 1u);  // still tracked
  release_finished_files(f.streams, *f.checkpoint);
  prune_positions(f.sources(), f.streams, *f.checkpoint);
  EXPECT_TRUE(f.checkpoint->positions("app").empty());
}

TEST(FileReleaseTest, PositionOfAFileStillMatchingTheGlobsIsKept) {
  StreamFixture f;
  write_file(f.dir.file("app.log"), "line\n");
  f.start();
  StreamBatcher::Outbox out;
  f.read_all(out);
  ASSERT_TRUE(f.stream->cut_if_lingered(std::chrono::milliseconds(0), out));
  ASSERT_EQ(f.checkpoint->mark_delivered("app", 1), 1u);
  std::map<std::string, StreamBatcher> streams;
  streams.emplace("app", std::move(*f.stream));
  SourceConfig s;
  s.category = "app";
  s.paths = f.options.globs;
  prune_positions({s}, streams, *f.checkpoint);
  EXPECT_EQ(f.checkpoint->positions("app").size(), 1u);
}

}  // namespace
}  // namespace ferry::agent
