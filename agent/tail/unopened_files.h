#pragma once
// Files a glob matches that cannot be opened (permissions, an I/O error). Each is tried
// again with exponential backoff (1 s doubling to 60 s, with jitter) instead of at every
// poll, and reported twice: when it first fails, and when it opens at last.
//
// Runs on the tail thread; not thread-safe.

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "common/base/clock.h"
#include "common/net/backoff.h"

namespace ferry::agent::tail {

inline constexpr std::chrono::milliseconds kUnopenedRetryFirst{1'000};
inline constexpr std::chrono::milliseconds kUnopenedRetryMax{60'000};

class UnopenedFiles {
 public:
  // Whether `path` may be tried now: it never failed, or its backoff has passed.
  bool due(const std::string& path, TimeMs now) const;
  // Records a failure; true if it is the path's first (report it then).
  bool failed(const std::string& path, TimeMs now);
  // Records a success; true if the path had failed before (report that it recovered).
  bool opened(const std::string& path);
  // Forgets the paths not in `present` (gone from the globs).
  void keep_only(const std::set<std::string>& present);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    net::Backoff backoff{kUnopenedRetryFirst, kUnopenedRetryMax};
    TimeMs retry_at_ms = 0;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace ferry::agent::tail
