#pragma once
// Errors of the checkpoint module.

#include <system_error>

namespace ferry::agent::checkpoint {

enum class Errc {
  kCorrupt = 1,        // bad magic, version, length or CRC
  kNoValidCopy = 2,    // both the state file and its .prev copy exist and are corrupt
  kSeqOutOfOrder = 3,  // record_batch with a seq other than next_seq
  kRangeGap = 4,       // a batch starts after the recorded position of its file
};

const std::error_category& checkpoint_category();

inline std::error_code make_error_code(Errc e) {
  return {static_cast<int>(e), checkpoint_category()};
}

}  // namespace ferry::agent::checkpoint

template <>
struct std::is_error_code_enum<ferry::agent::checkpoint::Errc> : std::true_type {};
