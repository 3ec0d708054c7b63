#pragma once
// The benchmark's exactness check: every line written compared with every line the
// consumer committed, as multisets. A line delivered fewer times than written is lost,
// more times (or never written) duplicated.

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace ferry::ferryctl {

struct DeliveryCount {
  uint64_t lines = 0;  // complete lines written
  uint64_t lost = 0, duplicated = 0;
};

// `written_files`: every file the agents tailed (an unterminated last line is never
// sent, so it is not counted).
Result<DeliveryCount> count_delivery(const std::vector<std::string>& written_files, const std::string& output_root);

}  // namespace ferry::ferryctl
