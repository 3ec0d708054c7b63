#include "agent/tail/glob_scan.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace ferry::agent::tail {
namespace {

using ferry::testing::TempDir;
using ferry::testing::write_file;

void set_mtime(const std::string& path, time_t seconds) {
  struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(::utimes(path.c_str(), times), 0);
}

TEST(GlobScanTest, RegularFilesOncePerInodeOldestFirst) {
  TempDir dir;
  write_file(dir.file("app.log"), "new\n");
  write_file(dir.file("app.log.1"), "old\n");
  set_mtime(dir.file("app.log"), 2'000'000'000);
  set_mtime(dir.file("app.log.1"), 1'000'000'000);
  ASSERT_EQ(::link(dir.file("app.log").c_str(), dir.file("hard.link").c_str()), 0);
  ASSERT_EQ(::mkdir(dir.file("app.log.d").c_str(), 0755), 0);
  // Two overlapping globs and a hard link: each file once; the directory not at all.
  auto found = expand_globs({dir.file("app.log*"), dir.file("app.log"), dir.file("hard.link")});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].path, dir.file("app.log.1"));
  EXPECT_EQ(found[1].path, dir.file("app.log"));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("app.log").c_str(), &st), 0);
  EXPECT_EQ(found[1].ino, static_cast<uint64_t>(st.st_ino));
  EXPECT_EQ(found[1].dev, static_cast<uint64_t>(st.st_dev));
}

TEST(GlobScanTest, NoMatchIsEmpty) {
  TempDir dir;
  EXPECT_TRUE(expand_globs({dir.file("*.log"), dir.file("missing/x.log")}).empty());
}

TEST(GlobScanTest, WatchableDirsLeaveWildcardDirectoriesToPolling) {
  auto dirs =
      watchable_dirs({"/var/log/app/*.log", "/var/log/app/x.log", "/srv/*/logs/a.log", "bare.log"});
  EXPECT_EQ(dirs, (std::vector<std::string>{".", "/var/log/app"}));
  EXPECT_TRUE(has_wildcard("/srv/*/logs"));
  EXPECT_TRUE(has_wildcard("a[0-9]"));
  EXPECT_FALSE(has_wildcard("/var/log/app"));
}

}  // namespace
}  // namespace ferry::agent::tail
