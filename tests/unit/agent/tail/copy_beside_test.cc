#include "agent/tail/copy_beside.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "agent/tail/file_identity.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent::tail {
namespace {

using ferry::testing::TempDir;
using ferry::testing::write_file;

std::string content() {
  std::string s;
  for (int i = 0; i < 10; ++i) s += "line " + std::to_string(i) + " of the original content\n";
  return s;
}

std::vector<std::string> names(const std::vector<FileBeside>& found) {
  std::vector<std::string> out;
  for (const auto& f : found) out.push_back(std::filesystem::path(f.path).filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CopyBesideTest, FindsCopiesNamedAfterTheOriginalThatStartWithItsContent) {
  TempDir dir;
  const uint64_t fp = make_fingerprint(content());
  write_file(dir.file("app.log"), "new content after the truncation\n");
  write_file(dir.file("app.log.1"), content() + "tail only the copy has\n");
  write_file(dir.file("app.log-20240101"), content());
  write_file(dir.file("app-20240101.log"), content());
  write_file(dir.file("app.log.2"),
             "an older rotation, other content, long enough to be compared at all\n");
  write_file(dir.file("other.log"), content());  // not named after app.log
  write_file(dir.file("app.log.short"), content().substr(0, 40));
  EXPECT_EQ(names(copies_beside(dir.file("app.log"), fp)),
            (std::vector<std::string>{"app-20240101.log", "app.log-20240101", "app.log.1"}));
}

TEST(CopyBesideTest, MissingDirectoryFindsNothing) {
  TempDir dir;
  EXPECT_TRUE(copies_beside(dir.file("gone/app.log"), make_fingerprint(content())).empty());
}

}  // namespace
}  // namespace ferry::agent::tail
