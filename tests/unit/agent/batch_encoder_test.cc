#include "agent/batch_encoder.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "common/crypto/payload_seal.h"

#include "tests/unit/agent/batch_text.h"

namespace ferry::agent {
namespace {

TEST(BatchEncoderTest, FrameCarriesTheStreamTheFileAndTheEvents) {
  BatchEncoder encoder("host-a", 42, 1);
  batch::BatchBuilder builder(1 << 20);
  builder.add("one\n", 1'000, 10);
  builder.add("two\n", 2'000, 14);
  const batch::FileIdentity file{1, 2, (uint64_t{8} << 32) | 0x1234};
  auto ib = encoder.encode("app", 7, builder.take(), file);
  ASSERT_TRUE(ib) << ib.error().message();
  EXPECT_EQ(ib.value().category, "app");
  EXPECT_EQ(ib.value().seq, 7u);
  EXPECT_EQ(ib.value().events, 2u);
  EXPECT_EQ(ib.value().min_time_ms, 1'000);
  EXPECT_EQ(ib.value().max_time_ms, 2'000);
  auto text = testing::batch_text(ib.value());
  EXPECT_EQ(text.header.host, "host-a");
  EXPECT_EQ(text.header.category, "app");
  EXPECT_EQ(text.header.seq, 7u);
  EXPECT_EQ(text.header.incarnation, 42u);
  EXPECT_EQ(text.header.file, file);
  EXPECT_EQ(text.events, "one\ntwo\n");
}

TEST(BatchEncoderTest, SameBatchEncodesToTheSameFrame) {
  // Unsealed, a re-encoded batch is byte-identical to the first send of its seq (sealed,
  // each encoding has its own nonce; hops deduplicate by id, never by bytes).
  BatchEncoder encoder("h", 1, 1);
  auto built = [] {
    batch::BatchBuilder b(1 << 20);
    b.add("line\n", 5, 0);
    return b.take();
  };
  auto first = encoder.encode("c", 1, built(), {});
  auto again = encoder.encode("c", 1, built(), {});
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first.value().frame, again.value().frame);
}

TEST(BatchEncoderTest, SealsWithTheNewestKeyAFreshNonceEachTime) {
  const auto dir =
      std::filesystem::path(::testing::TempDir()) / ("encoder-keys-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string why;
  ASSERT_TRUE(crypto::make_key_file(dir, why)) << why;
  ASSERT_TRUE(crypto::make_key_file(dir, why)) << why;
  auto keys = std::make_shared<crypto::KeyStore>(dir, why);
  ASSERT_EQ(why, "");
  BatchEncoder encoder("h", 3, 1, keys);
  auto built = [] {
    batch::BatchBuilder b(1 << 20);
    b.add("a secret line\n", 5, 0);
    return b.take();
  };
  std::vector<std::string> opened;
  std::vector<std::string> payloads;
  for (int i = 0; i < 2; ++i) {
    auto ib = encoder.encode("c", 9, built(), {});
    ASSERT_TRUE(ib) << ib.error().message();
    auto frame =
        wire::decode_batch(std::string_view(ib.value().frame).substr(wire::kFrameHeaderSize))
            .value();
    EXPECT_TRUE(frame.header.sealed());
    EXPECT_EQ(frame.header.key_id, 2u);
    EXPECT_EQ(frame.payload.find("secret"), std::string::npos);
    payloads.push_back(frame.payload);
    ASSERT_FALSE(crypto::open_payload(*keys->current(), frame.header, frame.payload, why)) << why;
    compress::ZstdDecompressor zstd;
    std::string events;
    ASSERT_FALSE(batch::decode_payload(frame.header, frame.payload, zstd, events));
    opened.push_back(events);
  }
  EXPECT_NE(payloads[0], payloads[1]);
  EXPECT_EQ(opened[0], "a secret line\n");
  EXPECT_EQ(opened[1], opened[0]);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ferry::agent
