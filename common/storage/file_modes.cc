#include "common/storage/file_modes.h"

#include <sys/stat.h>

#include <cerrno>

namespace ferry::storage {

std::error_code create_dirs(const std::string& dir, mode_t mode) {
  for (size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
    const std::string part = dir.substr(0, end);
    if (!part.empty() && part.back() != '/') {
      if (::mkdir(part.c_str(), 0700) == 0) {
        if (::chmod(part.c_str(), mode) != 0) return {errno, std::generic_category()};
      } else if (errno != EEXIST) {
        return {errno, std::generic_category()};
      }
    }
    if (end == std::string::npos) return {};
  }
}

void narrow_umask(const FileModes& modes) {
  const mode_t current = ::umask(0);
  ::umask(current | (0777 & ~(modes.file | modes.dir)));
}

}  // namespace ferry::storage
