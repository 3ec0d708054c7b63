#pragma once
// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction
// unless FERRY_KEEP_TEST_DIRS is set (for looking at what a failed test left).

#include <filesystem>
#include <string>

namespace ferry::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path`, creating parent directories.
void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

}  // namespace ferry::testing
