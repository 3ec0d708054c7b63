#include "common/batch/payload.h"

#include <cstring>

#include <zstd.h>

#include "common/base/crc32c.h"
#include "common/crypto/payload_seal.h"
#include "common/wire/errc.h"

namespace ferry::batch {

Result<std::string> encode_payload(const BuiltBatch& built, Codec codec,
                                   compress::ZstdCompressor& zstd, BatchHeader& header) {
  std::string payload;
  if (codec == Codec::kZstd) {
    BOOST_OUTCOME_TRY(zstd.compress(built.raw, payload));
  } else {
    payload = built.raw;
  }
  header.event_count = built.event_count;
  header.raw_size = static_cast<uint32_t>(built.raw.size());
  header.payload_size = static_cast<uint32_t>(payload.size());
  header.min_time_ms = built.min_time_ms;
  header.max_time_ms = built.max_time_ms;
  header.file_offset = built.file_offset;
  header.file_length = built.file_length;
  header.codec = codec;
  header.payload_crc = crc32c::value(payload);
  return payload;
}

std::error_code decode_payload(const BatchHeader& header, std::string_view payload,
                               compress::ZstdDecompressor& zstd, std::string& raw) {
  if (payload.size() != header.payload_size) return wire::Errc::kBadBatch;
  if (crc32c::value(payload) != header.payload_crc) return wire::Errc::kBadCrc;
  if (header.sealed()) return wire::Errc::kBadBatch;  // must be opened with the key first
  if (header.codec == Codec::kNone) {
    raw.assign(payload);
  } else {
    size_t limit = std::min<size_t>(header.raw_size, kMaxRawBytes);
    auto r = zstd.decompress(payload, limit, raw);
    if (!r) return r.error();
  }
  if (raw.size() != header.raw_size) return wire::Errc::kBadBatch;
  return {};
}

namespace {

// memchr is vectorised in glibc: several times std::count's speed on long buffers.
uint64_t count_newlines(std::string_view bytes) {
  uint64_t n = 0;
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (nl == nullptr) break;
    ++n;
    p = static_cast<const char*>(nl) + 1;
  }
  return n;
}

}  // namespace

std::error_code validate_sealed_payload(const BatchHeader& header, std::string_view payload,
                                        std::string& why) {
  if (payload.size() != header.payload_size) {
    why = "payload of " + std::to_string(payload.size()) + " bytes, header says " +
          std::to_string(header.payload_size);
    return wire::Errc::kBadBatch;
  }
  if (crc32c::value(payload) != header.payload_crc) {
    why = "payload: " + std::error_code(wire::Errc::kBadCrc).message();
    return wire::Errc::kBadCrc;
  }
  // What sealing adds to the compressed bytes, which are at most zstd's bound of raw_size.
  const size_t inner_max =
      header.codec == Codec::kNone ? header.raw_size : ZSTD_compressBound(header.raw_size);
  if (payload.size() < crypto::kSealOverhead ||
      payload.size() - crypto::kSealOverhead > inner_max) {
    why = "sealed payload of " + std::to_string(payload.size()) + " bytes cannot hold " +
          std::to_string(header.raw_size) + " raw bytes";
    return wire::Errc::kBadBatch;
  }
  return {};
}

std::error_code validate_payload(const BatchHeader& header, std::string_view payload,
                                 compress::ZstdDecompressor& zstd, std::string& raw,
                                 std::string& why) {
  if (header.sealed()) return validate_sealed_payload(header, payload, why);
  if (auto ec = decode_payload(header, payload, zstd, raw)) {
    why = ec == wire::Errc::kBadBatch ? "payload does not decode to its declared raw_size " +
                                            std::to_string(header.raw_size)
                                      : "payload: " + ec.message();
    return ec;
  }
  const uint64_t lines = count_newlines(raw);
  if (lines != header.event_count || raw.empty() || raw.back() != '\n') {
    why = "payload holds " + std::to_string(lines) + " whole lines, header says " +
          std::to_string(header.event_count) + " events";
    return wire::Errc::kBadBatch;
  }
  return {};
}

}  // namespace ferry::batch
