#include "tools/ferryctl/verify.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "tools/ferryctl/output_parts.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kContinuation = "[ferry:cont] ";

// The "id=..." token of a line, empty if none.
std::string_view id_of(std::string_view line) {
  auto at = line.find("id=");
  if (at == std::string_view::npos) return {};
  auto end = line.find_first_of(" \n", at);
  return line.substr(at + 3, end == std::string_view::npos ? std::string_view::npos : end - at - 3);
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<void> for_each_delivered_part(const std::string& output_root,
                                     const std::function<void(std::string_view)>& fn) {
  return for_each_part(
      output_root, [](const fs::path& relative) { return !is_replay_part(relative); }, fn);
}

Result<VerifyResult> run_verify(const std::string& input_dir, const std::string& output_root,
                                size_t examples,
                                const std::function<bool(std::string_view)>& in_flight) {
  std::unordered_map<std::string, uint32_t>
      seen;  // id -> copies delivered (expected ids start at 0)
  std::unordered_map<std::string, uint32_t> extra;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(input_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file() || it->path().filename() == "gen.json") continue;
    for_each_line(read_all(it->path()), [&](std::string_view line) {
      auto id = id_of(line);
      if (!id.empty() && line.rfind(kContinuation, 0) != 0) seen.emplace(std::string(id), 0);
    });
  }
  if (ec) return ec;
  auto read = for_each_delivered_part(output_root, [&](std::string_view raw) {
    for_each_line(raw, [&](std::string_view line) {
      if (line.rfind(kContinuation, 0) == 0) return;  // later piece of a split line
      auto id = id_of(line);
      if (id.empty()) return;
      auto found = seen.find(std::string(id));
      if (found != seen.end()) {
        ++found->second;
      } else {
        ++extra[std::string(id)];
      }
    });
  });
  if (!read) return read.error();
  VerifyResult r;
  for (const auto& [id, n] : seen) {
    ++r.expected;
    if (n == 0 && in_flight && in_flight(id)) {
      ++r.in_flight;
      if (r.in_flight_examples.size() < examples) r.in_flight_examples.push_back(id);
    } else if (n == 0) {
      ++r.lost;
      if (r.lost_examples.size() < examples) r.lost_examples.push_back(id);
    } else {
      ++r.delivered;
      if (n > 1) {
        r.duplicated += n - 1;
        if (r.duplicated_examples.size() < examples) r.duplicated_examples.push_back(id);
      }
    }
  }
  for (const auto& [id, n] : extra) r.unexpected += n;
  return r;
}

}  // namespace ferry::ferryctl
