#include "agent/tail/unopened_files.h"

#include <iterator>

namespace ferry::agent::tail {

bool UnopenedFiles::due(const std::string& path, TimeMs now) const {
  auto it = entries_.find(path);
  return it == entries_.end() || now >= it->second.retry_at_ms;
}

bool UnopenedFiles::failed(const std::string& path, TimeMs now) {
  auto [it, first] = entries_.try_emplace(path);
  it->second.retry_at_ms = now + it->second.backoff.next().count();
  return first;
}

bool UnopenedFiles::opened(const std::string& path) { return entries_.erase(path) > 0; }

void UnopenedFiles::keep_only(const std::set<std::string>& present) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = present.count(it->first) ? std::next(it) : entries_.erase(it);
  }
}

}  // namespace ferry::agent::tail
