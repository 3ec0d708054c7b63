#include "agent/replay/gzip_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "common/storage/durable_file.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent::replay {
namespace {

using ferry::testing::TempDir;
using ferry::testing::write_file;

// Lines that compress well but are all different: a few MB decompressed, read in chunks.
std::string many_lines(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "2026-12-02T09:00:00Z h1 app line " + std::to_string(i) + "\n";
  return out;
}

// `gzip` as logrotate runs it: path -> path.gz, the original removed.
std::string gzipped(const std::string& path) {
  EXPECT_EQ(std::system(("gzip '" + path + "'").c_str()), 0);
  return path + ".gz";
}

struct Read {
  std::string text;
  std::string error;
};

Read read_all(const std::string& path, size_t chunk) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0) << path;
  Read r;
  GzipStream g(fd, std::filesystem::file_size(path));
  while (g.read(chunk, r.text)) {}
  r.error = g.error();
  ::close(fd);
  return r;
}

TEST(GzipStreamTest, DecompressesInBoundedChunks) {
  TempDir dir;
  const std::string text = many_lines(100'000);
  write_file(dir.file("app.log.2"), text);
  const std::string gz = gzipped(dir.file("app.log.2"));
  Read r = read_all(gz, 4096);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.text == text) << "decompressed " << r.text.size() << " bytes of " << text.size();
}

TEST(GzipStreamTest, ConcatenatedMembersReadAsOne) {
  TempDir dir;
  write_file(dir.file("a"), "first\n");
  write_file(dir.file("b"), "second\n");
  const std::string a = gzipped(dir.file("a")), b = gzipped(dir.file("b"));
  ASSERT_EQ(std::system(("cat '" + a + "' '" + b + "' > '" + dir.file("ab.gz") + "'").c_str()), 0);
  Read r = read_all(dir.file("ab.gz"), 3);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.text, "first\nsecond\n");
}

TEST(GzipStreamTest, TruncatedFileIsAnErrorAfterWhatItHolds) {
  TempDir dir;
  const std::string text = many_lines(50'000);
  write_file(dir.file("app.log.2"), text);
  const std::string gz = gzipped(dir.file("app.log.2"));
  std::filesystem::resize_file(gz, std::filesystem::file_size(gz) / 2);
  Read r = read_all(gz, 65536);
  EXPECT_NE(r.error.find("truncated"), std::string::npos) << r.error;
  EXPECT_GT(r.text.size(), 0u);
  EXPECT_LT(r.text.size(), text.size());
  EXPECT_TRUE(text.compare(0, r.text.size(), r.text) == 0)
      << "what was read is not the file's start";
}

TEST(GzipStreamTest, CorruptDataIsAnError) {
  TempDir dir;
  write_file(dir.file("app.log.2"), many_lines(50'000));
  const std::string gz = gzipped(dir.file("app.log.2"));
  auto bytes = storage::read_whole_file(gz).value();
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i)
    bytes[i] = static_cast<char>(~bytes[i]);
  write_file(gz, bytes);
  Read r = read_all(gz, 65536);
  EXPECT_NE(r.error.find("corrupt gzip data"), std::string::npos) << r.error;
}

TEST(GzipStreamTest, NotGzipAtAllIsAnError) {
  TempDir dir;
  write_file(dir.file("plain.gz"), "just text, not compressed\n");
  Read r = read_all(dir.file("plain.gz"), 100);
  EXPECT_NE(r.error.find("corrupt gzip data"), std::string::npos) << r.error;
  EXPECT_EQ(r.text, "");
}

TEST(GzipStreamTest, EmptyFileIsTruncated) {
  TempDir dir;
  write_file(dir.file("empty.gz"), "");
  Read r = read_all(dir.file("empty.gz"), 100);
  EXPECT_NE(r.error.find("truncated"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace ferry::agent::replay
