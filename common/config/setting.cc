#include "common/config/setting.h"

#include <map>
#include <regex>
#include <set>

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

std::string line_of(const Setting& s, std::string_view leaf,
                    const std::function<bool(std::string_view)>& live) {
  std::vector<std::string> notes;
  if (s.required)
    notes.push_back("required");
  else if (!s.from_file || s.value == s.def)
    notes.push_back("default");
  else
    notes.push_back("default " + s.def);
  if (live && live(generic_key(s.key))) notes.push_back("changes on SIGHUP");
  std::string line = fmt::format("{} = {}", leaf, s.value);
  if (!notes.empty()) line += fmt::format("  # {}", fmt::join(notes, "; "));
  return line + "\n";
}

}  // namespace

std::string generic_key(const std::string& key) {
  static const std::regex kIndex(R"(\[[0-9]+\])");
  return std::regex_replace(key, kIndex, "");
}

std::string format_key_table(const Settings& settings,
                             const std::function<bool(std::string_view)>& live) {
  std::string out;
  std::set<std::string> seen;
  for (const auto& s : settings) {
    const std::string key = generic_key(s.key);
    if (!seen.insert(key).second) continue;
    out +=
        fmt::format("{}\t{}\t{}\t{}\t{}\n", key, s.type, s.required ? "" : s.def,
                    live && live(key) ? "live" : "restart", s.required ? "required" : "optional");
  }
  return out;
}

std::string format_settings(const Settings& settings,
                            const std::function<bool(std::string_view)>& live) {
  std::string top;
  std::vector<std::string> order;  // sections in the order first asked for
  std::map<std::string, std::string> body;
  for (const auto& s : settings) {
    const size_t dot = s.key.rfind('.');
    if (dot == std::string::npos) {
      top += line_of(s, s.key, live);
      continue;
    }
    const std::string section = s.key.substr(0, dot);
    auto [it, added] = body.try_emplace(section);
    if (added) order.push_back(section);
    it->second += line_of(s, std::string_view(s.key).substr(dot + 1), live);
  }
  std::string out = top;
  for (const auto& section : order)
    out += fmt::format("\n{}\n{}", table_header(section), body[section]);
  return out;
}

}  // namespace ferry::config
