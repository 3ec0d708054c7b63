#include "agent/tail/range_reader.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "agent/tail/errc.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent::tail {
namespace {

using ferry::testing::TempDir;
using ferry::testing::write_file;

std::unique_ptr<FileTailer> open_tailer(const std::string& path) {
  auto t = FileTailer::open(path, 1024);
  EXPECT_TRUE(t) << t.error().message();
  return std::move(t).value();
}

RangeReader::Files no_names(std::vector<const FileTailer*> open) {
  return {std::move(open), [](const FileIdentity&) { return std::vector<std::string>{}; }};
}

TEST(RangeReaderTest, ReadsARangeOfAnOpenFileEvenAfterItWasDeleted) {
  TempDir dir;
  write_file(dir.file("app.log"), "first\nsecond\nthird\n");
  auto t = open_tailer(dir.file("app.log"));
  ASSERT_EQ(::unlink(dir.file("app.log").c_str()), 0);
  const std::string category = "cat";
  RangeReader reader(category, 1024, nullptr);
  auto bytes = reader.read(no_names({t.get()}), t->identity(), 6, 7);
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(bytes.value(), "second\n");
  EXPECT_EQ(reader.read(no_names({t.get()}), t->identity(), 6, 100).error(),
            Errc::kRangeUnavailable);
}

TEST(RangeReaderTest, FindsAFileNoLongerOpenByItsNamesAndNoOtherFile) {
  TempDir dir;
  write_file(dir.file("app.log"), "first\nsecond\n");
  write_file(dir.file("other.log"), "other\n");
  const FileIdentity id = open_tailer(dir.file("app.log"))->identity();
  const std::string category = "cat";
  RangeReader reader(category, 1024, nullptr);
  RangeReader::Files files{
      {}, [&](const FileIdentity&) {
        return std::vector<std::string>{dir.file("other.log"), dir.file("app.log")};
      }};
  auto bytes = reader.read(files, id, 0, 6);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes.value(), "first\n");
  files.names = [&](const FileIdentity&) {
    return std::vector<std::string>{dir.file("other.log")};
  };
  EXPECT_EQ(reader.read(files, id, 0, 6).error(), Errc::kFileGone);
}

TEST(RangeReaderTest, RereadCutsTheRangeIntoItsEventsAndGivesTheRestOfALongLineItsTime) {
  TempDir dir;
  write_file(dir.file("app.log"), "0123456789abcdef\nnext\n");
  auto t = open_tailer(dir.file("app.log"));
  const std::string category = "cat";
  RangeReader reader(category, 1024, nullptr);
  // Starts inside the first line (a long line split at offset 10).
  auto chunk = reader.reread(no_names({t.get()}), t->identity(), 10, 12, 5'000);
  ASSERT_TRUE(chunk) << chunk.error().message();
  EXPECT_EQ(chunk.value().bytes, "abcdef\nnext\n");
  EXPECT_EQ(chunk.value().path, dir.file("app.log"));
  ASSERT_EQ(chunk.value().events.size(), 2u);
  EXPECT_TRUE(chunk.value().events[0].continuation());
  EXPECT_EQ(chunk.value().events[0].time_ms, 5'000);
  EXPECT_EQ(chunk.value().events[1].offset, 17u);
}

TEST(RangeReaderTest, TruncatedFilesRangeIsReadFromItsCopy) {
  TempDir dir;
  const std::string content(200, 'x');
  write_file(dir.file("app.log"), content + "\n");
  auto original = open_tailer(dir.file("app.log"));
  const FileIdentity before = original->identity();
  write_file(dir.file("app.log.1"), content + "\n");
  auto copy = open_tailer(dir.file("app.log.1"));
  ASSERT_EQ(::truncate(dir.file("app.log").c_str(), 0), 0);
  const std::string category = "cat";
  RangeReader reader(category, 1024, nullptr);
  auto bytes = reader.read(no_names({original.get(), copy.get()}), before, 190, 11);
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(bytes.value(), std::string(10, 'x') + "\n");
}

}  // namespace
}  // namespace ferry::agent::tail
