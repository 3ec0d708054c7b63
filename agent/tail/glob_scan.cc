#include "agent/tail/glob_scan.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

namespace ferry::agent::tail {

std::vector<GlobMatch> expand_globs(const std::vector<std::string>& globs) {
  std::vector<GlobMatch> out;
  std::set<std::pair<uint64_t, uint64_t>> seen;
  for (const auto& pattern : globs) {
    glob_t g{};
    if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        struct stat st {};
        if (::stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (!seen.emplace(st.st_dev, st.st_ino).second) continue;
        out.push_back({g.gl_pathv[i], static_cast<uint64_t>(st.st_dev),
                       static_cast<uint64_t>(st.st_ino),
                       st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec});
      }
    }
    ::globfree(&g);
  }
  std::sort(out.begin(), out.end(), [](const GlobMatch& a, const GlobMatch& b) {
    return a.mtime_ns != b.mtime_ns ? a.mtime_ns < b.mtime_ns : a.path < b.path;
  });
  return out;
}

std::vector<std::string> watchable_dirs(const std::vector<std::string>& globs) {
  std::set<std::string> dirs;
  for (const auto& g : globs) {
    const auto parent = std::filesystem::path(g).parent_path();
    std::string dir = parent.empty() ? std::string(".") : parent.string();
    if (!has_wildcard(dir)) dirs.insert(std::move(dir));
  }
  return {dirs.begin(), dirs.end()};
}

bool is_compressed_copy(std::string_view path) {
  for (std::string_view ext : {".gz", ".bz2", ".xz", ".zst"}) {
    if (path.size() > ext.size() && path.substr(path.size() - ext.size()) == ext) return true;
  }
  return false;
}

}  // namespace ferry::agent::tail
