#pragma once
// Turning a built batch into a BATCH frame's payload and back: compression per the
// header's codec and the CRC32C that every hop checks. (Sealing, when configured, wraps
// the compressed bytes; see common/crypto.)

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/batch/batch_builder.h"
#include "common/batch/batch_header.h"
#include "common/compress/zstd_codec.h"

namespace ferry::batch {

// Fills header's sizes, times, range, codec and CRC from `built`, and the payload.
// The caller sets host, category, seq, file identity, flags and replay id.
Result<std::string> encode_payload(const BuiltBatch& built, Codec codec,
                                   compress::ZstdCompressor& zstd, BatchHeader& header);

// Checks the CRC and decompresses an unsealed payload into `raw`, refusing output
// beyond header.raw_size (and never beyond kMaxRawBytes).
std::error_code decode_payload(const BatchHeader& header, std::string_view payload,
                               compress::ZstdDecompressor& zstd, std::string& raw);

// What a hop without keys (a broker) can check of a sealed payload: its size and CRC,
// and that its length fits raw_size compressed plus the seal's nonce and tag.
std::error_code validate_sealed_payload(const BatchHeader& header, std::string_view payload,
                                        std::string& why);

// Everything a receiver can check of an unsealed payload (a sealed one: the above) without trusting
// its sender: the CRC, that it decodes within limits to exactly raw_size bytes, and that those
// bytes are event_count whole lines. A payload that passes makes an output file that decodes. `raw`
// is scratch (it receives the events). On failure, `why` says what was wrong.
std::error_code validate_payload(const BatchHeader& header, std::string_view payload,
                                 compress::ZstdDecompressor& zstd, std::string& raw,
                                 std::string& why);

}  // namespace ferry::batch
