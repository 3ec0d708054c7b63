#include "tools/ferryctl/delivery_count.h"

#include <algorithm>
#include <fstream>
#include <string_view>

#include "tools/ferryctl/verify.h"

namespace ferry::ferryctl {
namespace {

// Hashes every complete line of a file, read in chunks.
void hash_file_lines(const std::string& file, std::vector<uint64_t>& out) {
  std::ifstream in(file, std::ios::binary);
  std::string buffer, carry;
  buffer.resize(16 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    carry.append(buffer.data(), static_cast<size_t>(in.gcount()));
    const size_t last = carry.rfind('\n');
    if (last == std::string::npos) continue;
    for_each_line(std::string_view(carry).substr(0, last + 1),
                  [&](std::string_view line) { out.push_back(line_hash(line)); });
    carry.erase(0, last + 1);
  }
  // What is left lacks its newline: the agent never sends it, so it is not counted.
}

}  // namespace

// FNV-1a, 64 bits: stable across runs and libraries, unlike std::hash.
uint64_t line_hash(std::string_view line) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : line) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::vector<uint64_t> written_line_hashes(const std::vector<std::string>& written_files) {
  std::vector<uint64_t> want;
  for (const auto& file : written_files) hash_file_lines(file, want);
  std::sort(want.begin(), want.end());
  return want;
}

Result<DeliveryCount> count_delivery(const std::vector<std::string>& written_files,
                                     const std::string& output_root) {
  std::vector<uint64_t> got;
  BOOST_OUTCOME_TRY(for_each_delivered_part(output_root, [&](std::string_view raw) {
    for_each_line(raw, [&](std::string_view line) { got.push_back(line_hash(line)); });
  }));
  return compare_line_hashes(written_line_hashes(written_files), std::move(got));
}

DeliveryCount compare_line_hashes(const std::vector<uint64_t>& want, std::vector<uint64_t> got) {
  std::sort(got.begin(), got.end());
  DeliveryCount count;
  count.lines = want.size();
  size_t i = 0, j = 0;
  while (i < want.size() || j < got.size()) {
    if (j == got.size() || (i < want.size() && want[i] < got[j])) {
      ++count.lost, ++i;
    } else if (i == want.size() || got[j] < want[i]) {
      ++count.duplicated, ++j;  // delivered but never written (or once more than written)
    } else {
      ++i, ++j;
    }
  }
  return count;
}

}  // namespace ferry::ferryctl
