#pragma once
// The benchmark's exactness check: every line written compared with every line the
// consumer committed, as multisets. A line delivered fewer times than written is lost,
// more times (or never written) duplicated. Lines are compared by a 64-bit hash, so a
// long latency run (tens of millions of lines, gigabytes) fits in memory: 8 bytes a
// line each side. A collision could hide one lost-and-duplicated pair; for n lines the
// odds are about n^2 / 2^65 (4e-5 at 40 million).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace ferry::ferryctl {

struct DeliveryCount {
  uint64_t lines = 0;  // complete lines written
  uint64_t lost = 0, duplicated = 0;
};

// `written_files`: every file the agents tailed (an unterminated last line is never
// sent, so it is not counted).
Result<DeliveryCount> count_delivery(const std::vector<std::string>& written_files,
                                     const std::string& output_root);

// The pieces, for readers other than the output (bench subscribers): a line's hash
// (without its newline), the sorted hashes of every complete line of the files, and
// `got` (any order) compared with them.
uint64_t line_hash(std::string_view line);
std::vector<uint64_t> written_line_hashes(const std::vector<std::string>& written_files);
DeliveryCount compare_line_hashes(const std::vector<uint64_t>& want_sorted,
                                  std::vector<uint64_t> got);

}  // namespace ferry::ferryctl
