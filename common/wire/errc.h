#pragma once
// Wire error codes. They double as the ERROR frame's reason codes (DESIGN §2.6), so
// their numeric values are part of the protocol: append, never renumber.

#include <cstdint>
#include <string>
#include <system_error>

namespace ferry::wire {

enum class Errc : uint16_t {
  kOk = 0,
  kBadMagic = 1,
  kUnsupportedVersion = 2,
  kUnknownFrameType = 3,
  kFrameTooLarge = 4,
  kBadCrc = 5,
  kMalformedBody = 6,
  kBadFlags = 7,
  kProtocolViolation = 8,  // a valid frame at the wrong time (e.g. BATCH before HELLO)
  kUnauthenticated = 9,    // missing or unacceptable peer certificate
  kIdentityMismatch = 10,  // HELLO or a batch names a host the certificate does not
  kBadBatch = 11,          // batch header or payload inconsistent (sizes, checksum)
  kDecompressionBomb = 12,
  kOverloaded = 13,  // backpressure refusal
  kShuttingDown = 14,
  kInternal = 15,
};

const std::error_category& wire_category();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), wire_category()}; }

}  // namespace ferry::wire

template <>
struct std::is_error_code_enum<ferry::wire::Errc> : std::true_type {};
