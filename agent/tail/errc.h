#pragma once
// Errors of the tail module.

#include <system_error>

namespace ferry::agent::tail {

enum class Errc {
  kFileGone = 1,          // no current or held file has the requested identity
  kRangeUnavailable = 2,  // the file is there but shorter than the requested range
  kNotRegularFile = 3,
};

const std::error_category& tail_category();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), tail_category()}; }

}  // namespace ferry::agent::tail

template <>
struct std::is_error_code_enum<ferry::agent::tail::Errc> : std::true_type {};
