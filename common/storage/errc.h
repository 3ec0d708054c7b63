#pragma once
// Storage errors. rocksdb::Status and errno values are translated into these at the
// storage boundary; callers never see a rocksdb::Status.

#include <system_error>

namespace ferry::storage {

enum class Errc {
  kOk = 0,
  kIo = 1,
  kCorruption = 2,
  kNoSpace = 3,
  kInvalidArgument = 4,
  kBusy = 5,  // lock held by another process
  kNotSupported = 6,
};

const std::error_category& storage_category();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), storage_category()}; }

}  // namespace ferry::storage

template <>
struct std::is_error_code_enum<ferry::storage::Errc> : std::true_type {};
