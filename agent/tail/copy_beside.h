#pragma once
// Where copytruncate left the copy of a truncated file when no glob names it: logrotate
// writes the copy beside the original, named after it (app.log -> app.log.1,
// app.log-20240101, app-20240101.log with `extension`). A regular file in the original's
// directory whose name starts with the original's stem (its name up to the first '.')
// and whose first bytes are the ones read of the original is taken for its copy.
//
// Reads only directory entries and the first KiB of name-matching files.

#include <cstdint>
#include <string>
#include <vector>

namespace ferry::agent::tail {

struct FileBeside {
  std::string path;
  uint64_t dev = 0;
  uint64_t ino = 0;
};

// Files beside `original_path` (itself excluded) that start with the content
// `fingerprint` names (see file_identity.h).
std::vector<FileBeside> copies_beside(const std::string& original_path, uint64_t fingerprint);

}  // namespace ferry::agent::tail
