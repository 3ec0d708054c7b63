#include "agent/checkpoint/state_dir_lock.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "tests/support/temp_dir.h"

namespace ferry::agent::checkpoint {
namespace {

using ferry::testing::TempDir;
using ferry::testing::write_file;

// The message acquire() refuses `dir` with, or "" if it was accepted.
std::string refusal(const std::string& dir) {
  try {
    StateDirLock::acquire(dir);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(StateDirLockTest, CreatesAMissingDirectoryAndWritesItsPid) {
  TempDir tmp;
  const std::string dir = tmp.file("a/b/state");
  auto lock = StateDirLock::acquire(dir);
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_EQ(ferry::testing::read_file(lock.lock_path()), std::to_string(::getpid()) + "\n");
}

TEST(StateDirLockTest, RefusesAFileNamingThePath) {
  TempDir tmp;
  write_file(tmp.file("state"), "not a directory");
  EXPECT_EQ(refusal(tmp.file("state")), "state_dir " + tmp.file("state") + ": is not a directory");
}

// Works as root too: nobody can create a directory under a regular file.
TEST(StateDirLockTest, RefusesAPathThatCannotBeCreated) {
  TempDir tmp;
  write_file(tmp.file("file"), "x");
  const std::string dir = tmp.file("file/state");
  EXPECT_EQ(refusal(dir).rfind("state_dir " + dir + ": cannot create it (", 0), 0u) << refusal(dir);
}

TEST(StateDirLockTest, RefusesADirectoryItCannotWriteIn) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root writes through permission bits; covered by the cases above";
  TempDir tmp;
  const std::string dir = tmp.file("state");
  std::filesystem::create_directories(dir);
  ::chmod(dir.c_str(), 0500);
  EXPECT_EQ(refusal(dir).rfind("state_dir " + dir + ": is not writable (", 0), 0u) << refusal(dir);
  ::chmod(dir.c_str(), 0700);
}

// flock belongs to an open file description, so a second acquire in this process
// conflicts as a second process would.
TEST(StateDirLockTest, SecondHolderIsRefusedNamingTheFirst) {
  TempDir tmp;
  auto first = StateDirLock::acquire(tmp.file("state"));
  const std::string why = refusal(tmp.file("state"));
  EXPECT_NE(why.find("in use by another ferry-agent (pid " + std::to_string(::getpid()) + ","),
            std::string::npos)
      << why;
  EXPECT_NE(why.find(tmp.file("state/lock")), std::string::npos) << why;
}

TEST(StateDirLockTest, LockGoesWithItsHolder) {
  TempDir tmp;
  std::optional<StateDirLock> first = StateDirLock::acquire(tmp.file("state"));
  first.reset();
  EXPECT_EQ(refusal(tmp.file("state")), "");
}

}  // namespace
}  // namespace ferry::agent::checkpoint
