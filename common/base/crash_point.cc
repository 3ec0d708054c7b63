#include "common/base/crash_point.h"

#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace ferry {
namespace {

struct Armed {
  std::map<std::string, long, std::less<>> remaining;  // passes left before firing
  std::mutex mu;
};

Armed* load_armed() {
  const char* env = std::getenv("FERRY_CRASH_POINTS");
  if (env == nullptr || *env == '\0') return nullptr;
  auto* armed = new Armed;
  std::string spec(env);
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(start, end - start);
    if (!item.empty()) {
      long count = 1;
      if (auto at = item.find('@'); at != std::string::npos) {
        count = std::strtol(item.c_str() + at + 1, nullptr, 10);
        item.resize(at);
      }
      armed->remaining[item] = count < 1 ? 1 : count;
    }
    start = end + 1;
  }
  return armed;
}

}  // namespace

void crash_point(std::string_view name) {
  static Armed* armed = load_armed();
  if (armed == nullptr) return;
  std::lock_guard lock(armed->mu);
  auto it = armed->remaining.find(name);
  if (it == armed->remaining.end()) return;
  if (--it->second == 0) {
    std::raise(SIGKILL);
  }
}

}  // namespace ferry
