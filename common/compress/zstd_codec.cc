#include "common/compress/zstd_codec.h"

#include <algorithm>

#include "common/wire/errc.h"

namespace ferry::compress {

ZstdCompressor::ZstdCompressor(int level) : ctx_(ZSTD_createCCtx()), level_(level) {
  ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level_);
  ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 0);  // the batch carries a CRC32C
  ZSTD_CCtx_setParameter(ctx_, ZSTD_c_contentSizeFlag, 1);
}

ZstdCompressor::~ZstdCompressor() { ZSTD_freeCCtx(ctx_); }

Result<size_t> ZstdCompressor::compress(std::string_view in, std::string& out) {
  const size_t bound = ZSTD_compressBound(in.size());
  if (scratch_.size() < bound) scratch_.resize(bound);
  size_t n = ZSTD_compress2(ctx_, scratch_.data(), scratch_.size(), in.data(), in.size());
  if (ZSTD_isError(n)) {
    out.clear();
    return make_error_code(wire::Errc::kInternal);
  }
  out.assign(scratch_.data(), n);
  return n;
}

ZstdDecompressor::ZstdDecompressor() : ctx_(ZSTD_createDCtx()) {}

ZstdDecompressor::~ZstdDecompressor() { ZSTD_freeDCtx(ctx_); }

Result<size_t> ZstdDecompressor::decompress(std::string_view in, size_t max_out, std::string& out) {
  out.clear();
  ZSTD_DCtx_reset(ctx_, ZSTD_reset_session_only);
  // Trust a declared content size only as a hint for the first allocation, capped.
  unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
  size_t cap = 64 * 1024;
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR) {
    if (declared > max_out) return make_error_code(wire::Errc::kDecompressionBomb);
    cap = std::max<size_t>(declared, 1);
  }
  cap = std::min(cap, std::max<size_t>(max_out, 1));
  out.resize(cap);
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t last = 1;  // zstd's "more input expected" hint; 0 once a frame is complete
  while (!(src.pos == src.size && last == 0)) {
    if (produced == out.size()) {
      if (out.size() >= max_out) {
        // Full at the limit: any further output means the payload is over it.
        char probe;
        ZSTD_outBuffer one{&probe, 1, 0};
        last = ZSTD_decompressStream(ctx_, &one, &src);
        if (ZSTD_isError(last)) return make_error_code(wire::Errc::kMalformedBody);
        if (one.pos > 0) return make_error_code(wire::Errc::kDecompressionBomb);
        if (src.pos == src.size && last != 0) return make_error_code(wire::Errc::kMalformedBody);
        continue;
      }
      out.resize(std::min(max_out, out.size() * 2));
    }
    ZSTD_outBuffer dst{out.data(), out.size(), produced};
    last = ZSTD_decompressStream(ctx_, &dst, &src);
    if (ZSTD_isError(last)) return make_error_code(wire::Errc::kMalformedBody);
    produced = dst.pos;
    // Input gone, room left, and zstd still wants more: the frame is truncated.
    if (src.pos == src.size && dst.pos < dst.size && last != 0) {
      return make_error_code(wire::Errc::kMalformedBody);
    }
  }
  out.resize(produced);
  return produced;
}

}  // namespace ferry::compress
