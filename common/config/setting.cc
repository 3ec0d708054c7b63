#include "common/config/setting.h"

#include <map>
#include <regex>

#include <fmt/format.h>

namespace ferry::config {
namespace {

// "[[source]]" for "source[0]", "[batch]" for "batch".
std::string table_header(const std::string& section) {
  const size_t bracket = section.find('[');
  if (bracket != std::string::npos && section.back() == ']') {
    return fmt::format("[[{}]]", section.substr(0, bracket));
  }
  return fmt::format("[{}]", section);
}

std::string line_of(const Setting& s, std::string_view leaf) {
  std::string line = fmt::format("{} = {}", leaf, s.value);
  if (!s.from_file) line += "  # default";
  return line + "\n";
}

}  // namespace

std::string generic_key(const std::string& key) {
  static const std::regex kIndex(R"(\[[0-9]+\])");
  return std::regex_replace(key, kIndex, "");
}

std::string format_settings(const Settings& settings) {
  std::string top;
  std::vector<std::string> order;  // sections in the order first asked for
  std::map<std::string, std::string> body;
  for (const auto& s : settings) {
    const size_t dot = s.key.rfind('.');
    if (dot == std::string::npos) {
      top += line_of(s, s.key);
      continue;
    }
    const std::string section = s.key.substr(0, dot);
    auto [it, added] = body.try_emplace(section);
    if (added) order.push_back(section);
    it->second += line_of(s, std::string_view(s.key).substr(dot + 1));
  }
  std::string out = top;
  for (const auto& section : order) out += fmt::format("\n{}\n{}", table_header(section), body[section]);
  return out;
}

}  // namespace ferry::config
