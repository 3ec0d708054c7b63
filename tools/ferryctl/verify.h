#pragma once
// `ferryctl verify`: compares what the generator wrote (every line with an "id=" token
// in every file under the input directory, rotated copies included) with what the
// consumer committed (zstd or plain parts under the output root, late/ included,
// replay-*/ and unfinished temp files excluded). Split lines count once, by their first
// piece.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace ferry::ferryctl {

struct VerifyResult {
  uint64_t expected = 0;
  uint64_t delivered = 0;   // expected ids found at least once
  uint64_t lost = 0;        // expected ids not found (and not in flight)
  uint64_t in_flight = 0;   // expected ids not found yet that an agent still holds
  uint64_t duplicated = 0;  // extra copies of delivered ids
  uint64_t unexpected = 0;  // delivered ids nobody generated
  std::vector<std::string> lost_examples, duplicated_examples, in_flight_examples;
  bool ok() const { return lost == 0 && in_flight == 0 && duplicated == 0; }
};

// Calls `fn` with each line of `text`, without its newline (a last line may lack one).
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    fn(text.substr(start, nl - start));
    start = nl + 1;
  }
}

// Calls `fn` with the decompressed content of every delivered part under the output
// root (the parts run_verify reads).
Result<void> for_each_delivered_part(const std::string& output_root,
                                     const std::function<void(std::string_view)>& fn);

// `in_flight(id)`, when given, says whether a missing line may still arrive (its agent
// holds it: agent_holdings.h); such lines count as in flight, not lost.
Result<VerifyResult> run_verify(const std::string& input_dir, const std::string& output_root,
                                size_t examples = 5,
                                const std::function<bool(std::string_view)>& in_flight = {});

}  // namespace ferry::ferryctl
