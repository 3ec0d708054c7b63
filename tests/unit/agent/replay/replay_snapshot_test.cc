#include "agent/replay/replay_snapshot.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "agent/tail/file_identity.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent::replay {
namespace {

using ferry::testing::TempDir;
using ferry::testing::write_file;

// Lines all different, so a file's first bytes tell which file it is.
std::string lines(const std::string& name, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += "2026-12-02T09:00:00Z h1 " + name + " line " + std::to_string(i) + "\n";
  return out;
}

// `gzip -k`: path.gz written beside path, as gzip does before it deletes the original.
void gzip_keep(const std::string& path) {
  ASSERT_EQ(std::system(("gzip -k '" + path + "'").c_str()), 0);
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

std::vector<std::string> names(const SourceSnapshot& snap) {
  std::vector<std::string> out;
  for (const auto& f : snap.files) out.push_back(std::filesystem::path(f.path).filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReplaySnapshotTest, CopyOfNeedsAtLeastKMinCopyPrefixMatchingBytes) {
  const std::string plain = lines("app", 20);
  EXPECT_TRUE(copy_of(plain.substr(0, tail::kMinCopyPrefix), plain));
  EXPECT_FALSE(copy_of(plain.substr(0, tail::kMinCopyPrefix - 1), plain))
      << "fewer bytes say nothing";
  EXPECT_FALSE(copy_of("", plain));
  EXPECT_TRUE(copy_of(plain, plain));
}

TEST(ReplaySnapshotTest, CopyOfNeedsThePlainFileToStartWithTheWholeHead) {
  const std::string plain = lines("app", 20);
  EXPECT_FALSE(copy_of(plain, plain.substr(0, plain.size() - 1)))
      << "a plain file shorter than the head is a new file that starts alike";
  std::string other = plain;
  other[tail::kMinCopyPrefix + 10] ^= 1;
  EXPECT_FALSE(copy_of(plain, other));
}

TEST(ReplaySnapshotTest, KeepsPlainAndGzippedFilesAndLeavesOutOtherCompressions) {
  TempDir dir;
  write_file(dir.file("logs/app.log"), lines("live", 10));
  write_file(dir.file("logs/app.log.1"), lines("one", 10));
  write_file(dir.file("logs/app.log.2"), lines("two", 10));
  ASSERT_NO_FATAL_FAILURE(gzip_keep(dir.file("logs/app.log.2")));
  std::filesystem::remove(dir.file("logs/app.log.2"));
  write_file(dir.file("logs/app.log.3.bz2"), "BZh91AY&SY not readable here");
  auto snap = take_snapshot({dir.file("logs/app.log*")}, 7);
  EXPECT_EQ(names(snap), (std::vector<std::string>{"app.log", "app.log.1", "app.log.2.gz"}));
  for (const auto& f : snap.files) {
    const struct stat st = stat_of(f.path);
    EXPECT_EQ(f.dev, static_cast<uint64_t>(st.st_dev)) << f.path;
    EXPECT_EQ(f.ino, static_cast<uint64_t>(st.st_ino)) << f.path;
    EXPECT_EQ(f.size, static_cast<uint64_t>(st.st_size))
        << "the compressed file's size for a .gz: " << f.path;
    EXPECT_EQ(f.gzip, f.path.ends_with(".gz")) << f.path;
  }
  ASSERT_EQ(snap.gz_heads.size(), 1u);
  EXPECT_EQ(snap.gz_heads[0], lines("two", 10).substr(0, tail::kFingerprintBytes))
      << "decompressed";
}

TEST(ReplaySnapshotTest, LeavesOutAGzFileWhoseOriginalIsStillThere) {
  TempDir dir;
  write_file(dir.file("logs/app.log"), lines("live", 10));
  write_file(dir.file("logs/app.log.1"), lines("one", 10));
  ASSERT_NO_FATAL_FAILURE(gzip_keep(dir.file("logs/app.log.1")));
  auto snap = take_snapshot({dir.file("logs/app.log*")}, 7);
  EXPECT_EQ(names(snap), (std::vector<std::string>{"app.log", "app.log.1"}))
      << "the lines would be read twice";
  EXPECT_TRUE(snap.gz_heads.empty());
}

TEST(ReplaySnapshotTest, FilesGoneNamesOnlyFilesNeitherThereNorCompressed) {
  TempDir dir;
  write_file(dir.file("logs/app.log"), lines("live", 10));
  write_file(dir.file("logs/app.log.1"), lines("one", 10));
  const std::string compressed = lines("one", 10);
  ASSERT_EQ(std::system(("gzip '" + dir.file("logs/app.log.1") + "'").c_str()), 0);  // a new inode
  SourceConfig src;
  src.category = "app";
  src.paths = {dir.file("logs/app.log*")};
  auto snap = take_snapshot(src.paths, 7);
  const struct stat live = stat_of(dir.file("logs/app.log"));
  FileHours hours(dir.file("hours.json"));
  hours.note("app", live.st_dev, live.st_ino, 0, dir.file("logs/app.log"), 1000, 2000);
  hours.note(
      "app", 9, 98,
      tail::make_fingerprint(std::string_view(compressed).substr(0, tail::kFingerprintBytes)),
      dir.file("logs/app.log.1"), 1000, 2000);
  hours.note("app", 9, 99, 0, dir.file("logs/app.log.2"), 500, 1500);
  hours.note("app", 9, 100, 0, dir.file("logs/old.log"), 100, 200);  // outside the range
  wire::ReplayRequest req{7,  wire::ReplayAction::kStart, 1000, 5000, 0, {},
                          {}, wire::ReplaySource::kHosts};
  auto gone = files_gone(snap, src, hours, req, "h1");
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].host, "h1");
  EXPECT_EQ(gone[0].category, "app");
  EXPECT_EQ(gone[0].from_ms, 1000) << "clamped to the range";
  EXPECT_EQ(gone[0].to_ms, 1501) << "past its last line";
  EXPECT_NE(gone[0].reason.find(dir.file("logs/app.log.2")), std::string::npos) << gone[0].reason;
  EXPECT_NE(gone[0].reason.find(src.paths[0]), std::string::npos)
      << "names the globs: " << gone[0].reason;
}

// logs/app.log written, and its entry in a snapshot taken with `globs`.
FileRef snapshot_of_app_log(const TempDir& dir, const std::vector<std::string>& globs) {
  write_file(dir.file("logs/app.log"), lines("live", 10));
  auto snap = take_snapshot(globs, 7);
  EXPECT_EQ(snap.files.size(), 1u);
  return snap.files.empty() ? FileRef{} : snap.files[0];
}

TEST(ReplaySnapshotTest, OpensAFileRotatedSinceByItsInode) {
  TempDir dir;
  const std::vector<std::string> globs{dir.file("logs/app.log*")};
  const FileRef f = snapshot_of_app_log(dir, globs);
  ASSERT_EQ(std::rename(dir.file("logs/app.log").c_str(), dir.file("logs/app.log.1").c_str()), 0);
  write_file(dir.file("logs/app.log"), lines("new", 20));  // same name, another file
  int fd = open_snapshot_file(f, globs);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  ::close(fd);
  EXPECT_EQ(static_cast<uint64_t>(st.st_ino), f.ino);

  ASSERT_EQ(std::rename(dir.file("logs/app.log.1").c_str(), dir.file("elsewhere.log").c_str()), 0);
  EXPECT_EQ(open_snapshot_file(f, globs), -1) << "rotated out of the globs";
}

TEST(ReplaySnapshotTest, RefusesAFileShorterThanInTheSnapshot) {
  TempDir dir;
  const std::vector<std::string> globs{dir.file("logs/app.log")};
  const FileRef f = snapshot_of_app_log(dir, globs);
  ASSERT_GT(f.size, 0u);
  std::filesystem::resize_file(dir.file("logs/app.log"), f.size - 1);
  EXPECT_EQ(open_snapshot_file(f, globs), -1) << "truncated since";
  std::filesystem::remove(dir.file("logs/app.log"));
  EXPECT_EQ(open_snapshot_file(f, globs), -1) << "deleted";
}

}  // namespace
}  // namespace ferry::agent::replay
