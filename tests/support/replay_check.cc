#include "tests/support/replay_check.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>

#include "common/base/utc_time.h"
#include "tests/support/http_get.h"
#include "tests/support/process.h"
#include "tools/ferryctl/output_parts.h"
#include "tools/ferryctl/verify.h"

namespace ferry::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

std::vector<std::string> lines_in(const std::string& root, const std::string& dir_name) {
  std::vector<std::string> lines;
  auto keep = [&](const fs::path& relative) {
    return dir_name.empty() ? !ferryctl::is_replay_part(relative)
                            : relative.parent_path().filename() == dir_name;
  };
  auto read = ferryctl::for_each_part(root, keep, [&](std::string_view raw) {
    ferryctl::for_each_line(raw, [&](std::string_view line) { lines.emplace_back(line); });
  });
  if (!read)
    throw std::runtime_error("cannot read the output under " + root + ": " +
                             read.error().message());
  return lines;
}

// Every "id=<host>:<n>" of `agents` x `per_agent` exactly once in `lines`.
void expect_each_once(const std::vector<std::string>& lines, int agents, int per_agent) {
  std::map<std::string, int> seen;
  static const std::regex id(R"(id=(h[0-9]+:[0-9]+))");
  for (const auto& l : lines) {
    std::smatch m;
    if (std::regex_search(l, m, id)) ++seen[m[1]];
  }
  size_t missing = 0, duplicated = 0;
  for (int a = 1; a <= agents; ++a) {
    for (int n = 0; n < per_agent; ++n) {
      auto it = seen.find("h" + std::to_string(a) + ":" + std::to_string(n));
      if (it == seen.end()) {
        ++missing;
      } else if (it->second > 1) {
        ++duplicated;
      }
    }
  }
  EXPECT_EQ(missing, 0u) << "lines missing from the replay";
  EXPECT_EQ(duplicated, 0u) << "lines replayed more than once";
  EXPECT_EQ(seen.size(), static_cast<size_t>(agents) * per_agent) << "lines the writer never wrote";
}

CtlRun run(const std::string& cmd) {
  CtlRun r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string target(const MiniCluster& c) {
  return " --url http://127.0.0.1:" + std::to_string(c.consumer_http_port()) + " --token-file " +
         c.admin_token_file();
}

// Starts a replay of the last two hours through ferryctl; returns its id.
uint64_t start_replay(const MiniCluster& c, const std::string& extra) {
  const TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const std::string from = format_iso_ms(hour_start(now) - kMsPerHour);
  const std::string to = format_iso_ms(hour_start(now) + kMsPerHour);
  CtlRun r = run(bin_path("ferryctl") + " replay start" + target(c) + " --from " + from + " --to " +
                 to + extra);
  EXPECT_EQ(r.status, 0) << r.out;
  auto last_nl = r.out.find_last_of('\n', r.out.size() - 2);
  std::string last = r.out.substr(last_nl == std::string::npos ? 0 : last_nl + 1);
  return std::stoull(last);
}

json replay_json(const MiniCluster& c, uint64_t id) {
  return json::parse(http_get(c.consumer_http_port(), "/api/replays/" + std::to_string(id)).body);
}

CtlRun wait_replay(const MiniCluster& c, uint64_t id, int seconds) {
  return run(bin_path("ferryctl") + " replay status " + std::to_string(id) + target(c) +
             " --wait " + std::to_string(seconds));
}

bool consumer_up(const MiniCluster& c) {
  return wait_until(
      [&] {
        try {
          return http_get(c.consumer_http_port(), "/healthz").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      30s);
}

// Deletes every delivered hour of the category: what a downstream accident does.
void delete_output(const MiniCluster& c) {
  fs::remove_all(c.output_root() + "/events");
  ASSERT_TRUE(lines_in(c.output_root(), "").empty());
}

void expect_success_files(const MiniCluster& c, uint64_t id) {
  size_t dirs = 0;
  for (auto it = fs::recursive_directory_iterator(c.output_root());
       it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_directory() || it->path().filename() != "replay-" + std::to_string(id)) continue;
    ++dirs;
    EXPECT_TRUE(fs::exists(it->path() / "_SUCCESS")) << it->path();
  }
  EXPECT_GT(dirs, 0u) << "no replay-" << id << "/ directory";
}

}  // namespace ferry::testing
