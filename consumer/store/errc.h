#pragma once
// Errors of the consumer's storage core. I/O errors from the sink keep their errno
// (std::errc); these name the states that are specific to the commit protocol.

#include <system_error>

namespace ferry::consumer::store {

enum class Errc {
  kOk = 0,
  kFailed = 1,         // an earlier I/O error poisoned the store; reopen to recover
  kSealedPayload = 2,  // payload must be unsealed before it reaches the store
  kBadBatch = 3,       // header invalid, or payload does not match it
  kBadRecord = 4,      // a manifest or tracker record in RocksDB does not decode
  kExists = 5,         // rename target already exists
};

const std::error_category& store_category();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), store_category()}; }

}  // namespace ferry::consumer::store

template <>
struct std::is_error_code_enum<ferry::consumer::store::Errc> : std::true_type {};
