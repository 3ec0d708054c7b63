#include "common/compress/zstd_codec.h"

#include <random>

#include <gtest/gtest.h>
#include <zstd.h>

#include "common/wire/errc.h"

namespace ferry::compress {
namespace {

TEST(ZstdCodecTest, RoundTripReusingContexts) {
  ZstdCompressor c(1);
  ZstdDecompressor d;
  for (int i = 0; i < 5; ++i) {
    std::string in(10000 * (i + 1), static_cast<char>('a' + i));
    std::string z, out;
    ASSERT_TRUE(c.compress(in, z));
    ASSERT_TRUE(d.decompress(z, in.size(), out));
    EXPECT_EQ(out, in);
  }
}

TEST(ZstdCodecTest, DeclaredSizeOverLimitIsRefusedBeforeAllocating) {
  ZstdCompressor c(3);
  ZstdDecompressor d;
  std::string z, out;
  ASSERT_TRUE(c.compress(std::string(8 << 20, 'x'), z));
  auto r = d.decompress(z, 1 << 20, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), wire::Errc::kDecompressionBomb);
  EXPECT_LT(out.capacity(), 1u << 20);
}

TEST(ZstdCodecTest, StreamWithoutDeclaredSizeStopsAtLimit) {
  // A frame made by the streaming API carries no content size: the limit must hold
  // while decompressing.
  std::string in(4 << 20, 'y');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::string z(ZSTD_compressBound(in.size()), '\0');
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  ZSTD_outBuffer dst{z.data(), z.size(), 0};
  ASSERT_EQ(ZSTD_compressStream2(cctx, &dst, &src, ZSTD_e_end), 0u);
  z.resize(dst.pos);
  ZSTD_freeCCtx(cctx);
  ASSERT_EQ(ZSTD_getFrameContentSize(z.data(), z.size()), ZSTD_CONTENTSIZE_UNKNOWN);

  ZstdDecompressor d;
  std::string out;
  EXPECT_EQ(d.decompress(z, 1 << 20, out).error(), wire::Errc::kDecompressionBomb);
  EXPECT_LE(out.size(), 1u << 20);
  ASSERT_TRUE(d.decompress(z, in.size(), out));
  EXPECT_EQ(out, in);
}

TEST(ZstdCodecTest, ConcatenatedFramesDecodeAsOneStream) {
  ZstdCompressor c(3);
  std::string a, b, out;
  ASSERT_TRUE(c.compress("first\n", a));
  ASSERT_TRUE(c.compress("second\n", b));
  ZstdDecompressor d;
  ASSERT_TRUE(d.decompress(a + b, 100, out));
  EXPECT_EQ(out, "first\nsecond\n");
}

TEST(ZstdCodecTest, GarbageAndTruncationAreErrors) {
  ZstdCompressor c(3);
  ZstdDecompressor d;
  std::string z, out;
  ASSERT_TRUE(c.compress(std::string(5000, 'q'), z));
  EXPECT_FALSE(d.decompress(z.substr(0, z.size() - 3), 10000, out));
  EXPECT_FALSE(d.decompress("definitely not zstd", 10000, out));
  EXPECT_FALSE(d.decompress("", 10000, out));
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string m = z;
    m[rng() % m.size()] ^= static_cast<char>(1 + rng() % 255);
    auto r = d.decompress(m, 10000, out);
    if (r) {
      EXPECT_LE(out.size(), 10000u);
    }
  }
}

}  // namespace
}  // namespace ferry::compress
