// libFuzzer target: a BATCH body as a broker or consumer receives it — the header and
// payload decoder, the payload check, and decompression bounded by the declared raw size
// (docs/protocol.md §4.2, §5). Refusing is fine; crashing, reading out of bounds or
// producing more than raw_size bytes is not.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/assert.h"
#include "common/batch/payload.h"
#include "common/wire/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto batch = ferry::wire::decode_batch(body);
  if (!batch) return 0;
  const auto& b = batch.value();
  // Re-encoding what decoded must give a body that decodes to the same batch.
  auto again =
      ferry::wire::decode_batch(ferry::wire::encode(b).substr(ferry::wire::kFrameHeaderSize));
  FERRY_RELEASE_ASSERT(again && again.value() == b);
  if (ferry::wire::verify_payload(b)) return 0;
  static ferry::compress::ZstdDecompressor zstd;
  std::string raw;
  if (!ferry::batch::decode_payload(b.header, b.payload, zstd, raw)) {
    FERRY_RELEASE_ASSERT(raw.size() <= b.header.raw_size);
  }
  return 0;
}
