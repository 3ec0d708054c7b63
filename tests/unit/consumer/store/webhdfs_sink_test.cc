#include "consumer/store/webhdfs_sink.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "common/batch/payload.h"
#include "common/compress/zstd_codec.h"
#include "consumer/store/bucket_store.h"
#include "consumer/store/errc.h"
#include "consumer/store/hour_tracker.h"
#include "tests/support/fake_webhdfs.h"
#include "tests/support/temp_dir.h"

namespace ferry::consumer::store {
namespace {

namespace fs = std::filesystem;

class WebHdfsSinkTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  testing::FakeWebHdfs server_{dir_.path().string()};
  WebHdfsSink sink_{{.namenode = server_.namenode(), .root = "/ferry", .user = "ferry"}};
};

TEST_F(WebHdfsSinkTest, CreateFollowsTheRedirectAndAppendsOnSync) {
  ASSERT_TRUE(sink_.mkdirs("cat/2026-11-23/07"));
  auto w = sink_.create("cat/2026-11-23/07/.part.tmp");
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(server_.count("PUT CREATE"), 1);
  EXPECT_EQ(server_.count("PUT CREATE datanode"), 1);
  ASSERT_TRUE(w.value()->append("one\n"));
  ASSERT_TRUE(w.value()->append("two\n"));
  ASSERT_TRUE(w.value()->sync());
  ASSERT_TRUE(w.value()->append("three\n"));
  ASSERT_TRUE(w.value()->sync());
  EXPECT_EQ(server_.count("POST APPEND"), 2);
  EXPECT_EQ(server_.count("POST APPEND datanode"), 2);
  EXPECT_EQ(testing::read_file(server_.local("/ferry/cat/2026-11-23/07/.part.tmp")),
            "one\ntwo\nthree\n");
  EXPECT_EQ(sink_.file_size("cat/2026-11-23/07/.part.tmp").value().value(), 14u);
}

// Before, any Location was followed: a namenode answer could send the output anywhere.
TEST_F(WebHdfsSinkTest, RedirectToAHostOutsideTheClusterIsRefused) {
  server_.redirect_to_host("localhost");  // not the namenode's host (127.0.0.1)
  auto w = sink_.create("d/a");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), std::errc::permission_denied);
  EXPECT_EQ(server_.count("PUT CREATE"), 1);
  EXPECT_EQ(server_.count("PUT CREATE datanode"), 0) << "the data went to the foreign host";
}

TEST_F(WebHdfsSinkTest, RedirectToAListedDatanodeIsFollowed) {
  server_.redirect_to_host("localhost");
  WebHdfsSink sink{{.namenode = server_.namenode(),
                    .root = "/ferry",
                    .user = "ferry",
                    .datanodes = {"LocalHost"}}};
  ASSERT_TRUE(sink.mkdirs("d"));
  auto w = sink.create("d/a");
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(server_.count("PUT CREATE datanode"), 1);
}

TEST_F(WebHdfsSinkTest, RenameRefusesAnExistingTargetAndMovesOtherwise) {
  ASSERT_TRUE(sink_.mkdirs("d"));
  ASSERT_TRUE(sink_.create("d/a"));
  ASSERT_TRUE(sink_.create("d/b"));
  auto r = sink_.rename("d/a", "d/b");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::kExists);
  ASSERT_TRUE(sink_.rename("d/a", "d/c"));
  EXPECT_FALSE(sink_.exists("d/a").value());
  EXPECT_TRUE(sink_.exists("d/c").value());
  EXPECT_FALSE(sink_.rename("d/missing", "d/x"));
}

TEST_F(WebHdfsSinkTest, MissingPathsListStatusAndDelete) {
  EXPECT_FALSE(sink_.file_size("nope").value().has_value());  // 404 FileNotFoundException
  EXPECT_TRUE(sink_.list("nope").value().empty());
  ASSERT_TRUE(sink_.mkdirs("x"));
  ASSERT_TRUE(sink_.create("x/f1"));
  ASSERT_TRUE(sink_.create("x/f2"));
  auto names = sink_.list("x").value();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"f1", "f2"}));
  ASSERT_TRUE(sink_.remove("x/f1"));
  ASSERT_TRUE(sink_.remove("x/f1"));  // a missing path is fine
  EXPECT_EQ(sink_.list("x").value(), (std::vector<std::string>{"f2"}));
}

TEST_F(WebHdfsSinkTest, UnreachableNamenodeIsAnError) {
  WebHdfsSink dead({.namenode = "127.0.0.1:1", .timeout = std::chrono::seconds(2)});
  EXPECT_FALSE(dead.mkdirs("a"));
  EXPECT_FALSE(dead.create("a/b"));
}

// The consumer's store over WebHDFS: committed files are whole zstd streams with the
// batches' lines, and a reopen recovers.
TEST_F(WebHdfsSinkTest, BucketStoreCommitsThroughWebHdfs) {
  std::string why;
  auto db = storage::RocksStore::open(
      {.path = dir_.file("db"), .column_families = BucketStore::column_families()}, why);
  ASSERT_TRUE(db) << why;
  StoreOptions options;
  options.roll_age_ms = 0;
  auto store = BucketStore::open(*db.value(), sink_, SystemClock::instance(), options, nullptr);
  ASSERT_TRUE(store) << store.error().message();
  compress::ZstdCompressor zstd(1);
  std::string expected;
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    std::string raw = "line " + std::to_string(seq) + "\n";
    expected += raw;
    wire::BatchFrame b;
    b.header.host = "h1";
    b.header.category = "cat";
    b.header.seq = seq;
    b.header.event_count = 1;
    b.header.min_time_ms = b.header.max_time_ms = 1'700'000'000'000;
    batch::BuiltBatch built;
    built.raw = raw;
    built.event_count = 1;
    built.min_time_ms = built.max_time_ms = 1'700'000'000'000;
    b.payload = batch::encode_payload(built, batch::Codec::kZstd, zstd, b.header).value();
    ASSERT_EQ(store.value()->add(b).value(), AddOutcome::kAccepted);
  }
  auto committed = store.value()->commit_all();
  ASSERT_TRUE(committed) << committed.error().message();
  EXPECT_EQ(committed.value().size(), 5u);
  std::string all, raw;
  for (const auto& e : fs::recursive_directory_iterator(server_.local("/ferry"))) {
    if (e.is_regular_file() && e.path().extension() == ".zst")
      all += testing::read_file(e.path().string());
  }
  compress::ZstdDecompressor d;
  ASSERT_TRUE(d.decompress(all, 1 << 20, raw));
  EXPECT_EQ(raw, expected);
}

}  // namespace
}  // namespace ferry::consumer::store
