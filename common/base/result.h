#pragma once
// Result<T>: the return type of every fallible I/O path. Expected failures (network,
// disk, peer input) are values, not exceptions. Exceptions are for startup only.

#include <system_error>

#include <boost/outcome/std_result.hpp>
#include <boost/outcome/try.hpp>

namespace ferry {

namespace outcome = boost::outcome_v2;

template <class T>
using Result = outcome::std_result<T>;

using outcome::success;

inline std::error_code make_error(std::errc e) { return std::make_error_code(e); }

}  // namespace ferry
