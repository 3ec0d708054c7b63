#pragma once
// "Did you mean": the candidate closest to a word an operator typed, when it is close
// enough to be a typo (edit distance with transpositions: at most 1 for words of up
// to 4 characters, 2 above, 3 above 10).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::config {

size_t edit_distance(std::string_view a, std::string_view b);

std::optional<std::string> near_miss(std::string_view word,
                                     const std::vector<std::string>& candidates);

}  // namespace ferry::config
