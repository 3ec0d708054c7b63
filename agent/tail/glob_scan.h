#pragma once
// Glob expansion for a source: the regular files its globs match now, oldest first, and
// the directories inotify can watch for them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::agent::tail {

struct GlobMatch {
  std::string path;
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t mtime_ns = 0;
};

// Regular files the globs match, one entry per inode (a hard link or two overlapping
// globs name it once), oldest mtime first, then by path: after a restart rotated files
// are read before the live one.
std::vector<GlobMatch> expand_globs(const std::vector<std::string>& globs);

// Whether `s` holds a glob wildcard (*, ? or [).
inline bool has_wildcard(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

// Whether a name is that of a compressed rotated file (logrotate `compress`: .gz, .bz2,
// .xz, .zst): such a file is never tailed.
bool is_compressed_copy(std::string_view path);

// The directories of the globs ("." for a bare file name) without wildcards of their own:
// inotify watches those; files under wildcard directories are found by polling only.
std::vector<std::string> watchable_dirs(const std::vector<std::string>& globs);

}  // namespace ferry::agent::tail
