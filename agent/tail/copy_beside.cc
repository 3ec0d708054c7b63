#include "agent/tail/copy_beside.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "agent/tail/file_identity.h"

namespace ferry::agent::tail {
namespace {

bool starts_with_content(const std::string& path, uint64_t fingerprint) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  auto same = starts_with_fingerprint(fd, fingerprint);
  ::close(fd);
  return same && same.value();
}

}  // namespace

std::vector<FileBeside> copies_beside(const std::string& original_path, uint64_t fingerprint) {
  namespace fs = std::filesystem;
  const fs::path original(original_path);
  const std::string name = original.filename().string();
  const std::string stem = name.substr(0, name.find('.'));
  std::vector<FileBeside> out;
  if (stem.empty()) return out;  // ".hidden": every dotfile would match
  std::error_code ec;
  const fs::path dir = original.has_parent_path() ? original.parent_path() : fs::path(".");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string candidate = it->path().filename().string();
    if (candidate == name || candidate.rfind(stem, 0) != 0) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (static_cast<uint64_t>(st.st_size) < fingerprint_length(fingerprint)) continue;
    if (!starts_with_content(it->path().string(), fingerprint)) continue;
    out.push_back(
        {it->path().string(), static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)});
  }
  return out;
}

}  // namespace ferry::agent::tail
