#pragma once
// CRC32C (Castagnoli), as used in iSCSI, ext4 and RocksDB. Uses the SSE4.2 crc32
// instruction when the CPU has it (checked once at run time), else a table-driven
// portable implementation. Both are tested against the RFC 3720 vectors.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ferry::crc32c {

// Extends `crc` (the CRC of earlier bytes, 0 for none) with `data`.
uint32_t extend(uint32_t crc, const void* data, size_t n);

inline uint32_t value(const void* data, size_t n) { return extend(0, data, n); }
inline uint32_t value(std::string_view s) { return extend(0, s.data(), s.size()); }

// The two implementations, exposed for tests and benchmarks.
uint32_t extend_portable(uint32_t crc, const void* data, size_t n);
uint32_t extend_hardware(uint32_t crc, const void* data, size_t n);  // requires SSE4.2
bool hardware_available();

}  // namespace ferry::crc32c
