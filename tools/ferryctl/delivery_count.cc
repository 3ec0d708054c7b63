#include "tools/ferryctl/delivery_count.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string_view>

#include "tools/ferryctl/verify.h"

namespace ferry::ferryctl {
namespace {

std::vector<std::string_view> sorted_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for_each_line(text, [&](std::string_view line) { lines.push_back(line); });
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

Result<DeliveryCount> count_delivery(const std::vector<std::string>& written_files, const std::string& output_root) {
  std::string written;
  for (const auto& file : written_files) {
    std::ifstream in(file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.resize(text.rfind('\n') + 1);  // npos + 1 == 0: a file without a newline adds nothing
    written += text;
  }
  std::string delivered;
  BOOST_OUTCOME_TRY(for_each_delivered_part(output_root, [&](std::string_view raw) { delivered += raw; }));
  auto want = sorted_lines(written), got = sorted_lines(delivered);
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
