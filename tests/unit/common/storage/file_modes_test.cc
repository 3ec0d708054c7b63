// What Ferry creates gets the configured mode whatever the process umask (file_modes.h):
// group-readable for a loader in the daemon's group, nothing for others. Before, output
// files and state were 0644 (world-readable) under the usual umask 022, and 0600 (the
// loader locked out) under 077.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "common/storage/durable_file.h"
#include "common/storage/quarantine.h"
#include "common/storage/rocks_store.h"
#include "consumer/store/posix_sink.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/temp_dir.h"

namespace ferry::storage {
namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Runs each test under a umask that would widen (0) and one that would narrow (077).
class FileModesTest : public ::testing::TestWithParam<mode_t> {
 protected:
  void SetUp() override { saved_ = ::umask(GetParam()); }
  void TearDown() override { ::umask(saved_); }
  mode_t saved_ = 0;
  testing::TempDir dir_;
};

TEST_P(FileModesTest, OutputFilesAndDirectoriesTakeTheConfiguredModes) {
  consumer::store::PosixSink defaults(dir_.path().string());
  ASSERT_TRUE(defaults.mkdirs("events/2024-01-01/07"));
  auto w = defaults.create("events/2024-01-01/07/part-c1-1.log.zst");
  ASSERT_TRUE(w);
  EXPECT_EQ(mode_of(dir_.file("events/2024-01-01/07/part-c1-1.log.zst")), 0640u);
  EXPECT_EQ(mode_of(dir_.file("events/2024-01-01")), 0750u);
  EXPECT_EQ(mode_of(dir_.file("events/2024-01-01/07")), 0750u);

  consumer::store::PosixSink custom(dir_.path().string(), FileModes{.file = 0600, .dir = 0700});
  ASSERT_TRUE(custom.mkdirs("other"));
  ASSERT_TRUE(custom.create("other/f"));
  EXPECT_EQ(mode_of(dir_.file("other/f")), 0600u);
  EXPECT_EQ(mode_of(dir_.file("other")), 0700u);
}

TEST_P(FileModesTest, StateFilesAndTheQuarantine) {
  ASSERT_TRUE(durable_write(dir_.file("checkpoint"), "state"));
  EXPECT_EQ(mode_of(dir_.file("checkpoint")), 0640u);

  auto q = Quarantine::open(dir_.file("quarantine"));
  ASSERT_TRUE(q);
  ASSERT_TRUE(q.value()->put(testing::one_line_batch("h1", 1), "bad"));
  EXPECT_EQ(mode_of(dir_.file("quarantine")), 0750u);
  EXPECT_EQ(mode_of(dir_.file("quarantine/h1.events.0.1.batch")), 0640u);
  EXPECT_EQ(mode_of(dir_.file("quarantine/h1.events.0.1.reason")), 0640u);
}

TEST_P(FileModesTest, AQuarantineWithConfiguredModes) {
  auto q =
      Quarantine::open(dir_.file("state/quarantine"), {}, FileModes{.file = 0600, .dir = 0700});
  ASSERT_TRUE(q);
  ASSERT_TRUE(q.value()->put(testing::one_line_batch("h1", 1), "bad"));
  EXPECT_EQ(mode_of(dir_.file("state")), 0700u);
  EXPECT_EQ(mode_of(dir_.file("state/quarantine")), 0700u);
  EXPECT_EQ(mode_of(dir_.file("state/quarantine/h1.events.0.1.batch")), 0600u);
  EXPECT_EQ(mode_of(dir_.file("state/quarantine/h1.events.0.1.reason")), 0600u);
}

TEST_P(FileModesTest, NewDatabaseDirectoriesKeepOthersOut) {
  std::string why;
  auto store = RocksStore::open({.path = dir_.file("data/db")}, why);
  ASSERT_TRUE(store) << why;
  EXPECT_EQ(mode_of(dir_.file("data")), 0750u);
  EXPECT_EQ(mode_of(dir_.file("data/db")), 0750u);
  auto custom = RocksStore::open({.path = dir_.file("other/db"), .dir_mode = 0700}, why);
  ASSERT_TRUE(custom) << why;
  EXPECT_EQ(mode_of(dir_.file("other")), 0700u);
  EXPECT_EQ(mode_of(dir_.file("other/db")), 0700u);
}

TEST_P(FileModesTest, DirectoriesThatExistKeepTheirMode) {
  ASSERT_EQ(::mkdir(dir_.file("mine").c_str(), 0755), 0);
  ASSERT_EQ(::chmod(dir_.file("mine").c_str(), 0755), 0);
  EXPECT_FALSE(create_dirs(dir_.file("mine/a/b"), 0750));
  EXPECT_EQ(mode_of(dir_.file("mine")), 0755u);
  EXPECT_EQ(mode_of(dir_.file("mine/a")), 0750u);
  EXPECT_EQ(mode_of(dir_.file("mine/a/b")), 0750u);
  ASSERT_TRUE(durable_write(dir_.file("mine/f"), "x"));
  EXPECT_TRUE(create_dirs(dir_.file("mine/f/g"), 0750));  // a file in the way
}

// RocksDB opens its files 0644 itself: the umask is what bounds them.
TEST_P(FileModesTest, NarrowUmaskBoundsWhatLibrariesCreate) {
  narrow_umask(FileModes{});
  std::string why;
  auto store = RocksStore::open({.path = dir_.file("db")}, why);
  ASSERT_TRUE(store) << why;
  EXPECT_EQ(mode_of(dir_.file("db/CURRENT")) & 0027, 0u);
  const mode_t now = ::umask(0);
  ::umask(now);
  EXPECT_EQ(now, GetParam() | 0027) << "narrowed, never widened";
}

INSTANTIATE_TEST_SUITE_P(Umask, FileModesTest, ::testing::Values(mode_t{0}, mode_t{077}));

}  // namespace
}  // namespace ferry::storage
