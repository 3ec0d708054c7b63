#pragma once
// Why Kafka bytes were refused: a request from a client, or a record batch read back.
// These are Ferry's own codes for logs and tests; the codes sent to Kafka clients are in
// error_code.h.

#include <cstdint>
#include <system_error>

namespace ferry::consumer::kafka {

enum class Errc : uint16_t {
  kOk = 0,
  kTruncated = 1,        // a field runs past the end of its buffer
  kNegativeLength = 2,   // a length or count below zero (and not the null -1)
  kCountTooLarge = 3,    // an array or record count larger than its bytes could hold
  kBadVarint = 4,        // a varint longer than its type allows
  kBadMagic = 5,         // a record batch not of magic 2
  kBadCrc = 6,           // a record batch whose CRC-32C does not match
  kBadBatchLength = 7,   // a batch length shorter than its header or past the buffer
  kBadCompression = 8,   // an unsupported codec or a corrupt compressed section
  kTooLarge = 9,         // decompressed records past the caller's limit
  kBadRecord = 10,       // a record whose length disagrees with its fields
  kTrailingBytes = 11,   // bytes left over after a complete structure
  kUnsupportedApi = 12,  // an api key or version this service does not serve
};

const std::error_category& kafka_category();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), kafka_category()}; }

}  // namespace ferry::consumer::kafka

template <>
struct std::is_error_code_enum<ferry::consumer::kafka::Errc> : std::true_type {};
