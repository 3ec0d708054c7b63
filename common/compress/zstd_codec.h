#pragma once
// zstd compression with reused contexts (one per thread or per connection; not
// thread-safe), and size-capped decompression: a payload that would expand past the
// caller's limit is an error (kDecompressionBomb), not an allocation.

#include <cstddef>
#include <string>
#include <string_view>

#include <zstd.h>

#include "common/base/result.h"

namespace ferry::compress {

class ZstdCompressor {
 public:
  explicit ZstdCompressor(int level = 3);
  ~ZstdCompressor();
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  // Compresses `in` into one zstd frame (with its content size recorded) in `out`,
  // which gets no more capacity than the frame needs.
  Result<size_t> compress(std::string_view in, std::string& out);
  int level() const { return level_; }

 private:
  ZSTD_CCtx* ctx_;
  int level_;
  // Room for the worst case, reused: a fresh one per batch was zero-filled and faulted
  // in page by page, and kept its full size in every payload the agent held.
  std::string scratch_;
};

class ZstdDecompressor {
 public:
  ZstdDecompressor();
  ~ZstdDecompressor();
  ZstdDecompressor(const ZstdDecompressor&) = delete;
  ZstdDecompressor& operator=(const ZstdDecompressor&) = delete;

  // Decompresses one or more concatenated zstd frames into `out` (replacing it). Fails
  // with kMalformedBody on corrupt input and kDecompressionBomb when the output would
  // exceed `max_out` bytes; at most max_out bytes are ever allocated.
  Result<size_t> decompress(std::string_view in, size_t max_out, std::string& out);

 private:
  ZSTD_DCtx* ctx_;
};

}  // namespace ferry::compress
