#include "consumer/store/shared_commits.h"

#include <gtest/gtest.h>

namespace ferry::consumer::store::shared_commits {
namespace {

FileRecord sample() {
  FileRecord r;
  r.number = 17;
  r.bucket.category = "events";
  r.bucket.replay_id = 0;
  r.final_path = "events/2026-12-03/01/part-c-1-17.log.zst";
  r.batches = {{"h1", 5, 100, 7}, {"h-2", 9, 3, 0}};
  return r;
}

TEST(SharedCommitsTest, ManifestRoundTripsItsBatchIds) {
  auto back = decode_manifest(encode_manifest(sample(), "c-1-123"));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back.value().final_path, sample().final_path);
  EXPECT_EQ(back.value().bucket.category, "events");
  EXPECT_EQ(back.value().batches, sample().batches);
  EXPECT_EQ(back.value().id_of(back.value().batches[0]), sample().id_of(sample().batches[0]));
}

TEST(SharedCommitsTest, AManifestCutShortOrForeignIsRefused) {
  const std::string text = encode_manifest(sample(), "c-1-123");
  for (size_t cut : {size_t{0}, size_t{10}, text.size() / 2, text.size() - 1}) {
    EXPECT_FALSE(decode_manifest(text.substr(0, cut))) << "cut at " << cut;
  }
  EXPECT_FALSE(decode_manifest("hello\n"));
  std::string bad_host = text;
  bad_host.replace(bad_host.find("b h1"), 4, "b h/");
  EXPECT_FALSE(decode_manifest(bad_host)) << "a host name that cannot be a batch's";
}

TEST(SharedCommitsTest, WriterOfAManifestName) {
  EXPECT_EQ(writer_of("consumer-2-17.commit"), "consumer-2");
  EXPECT_EQ(writer_of("c1-1.commit"), "c1");
  EXPECT_EQ(writer_of("c1-x.commit"), "");
  EXPECT_EQ(writer_of("-1.commit"), "");
  EXPECT_EQ(writer_of(".c1-1.commit.tmp"), "");
  EXPECT_EQ(manifest_path("c1", 3), "_ferry/commits/c1-3.commit");
}

}  // namespace
}  // namespace ferry::consumer::store::shared_commits
