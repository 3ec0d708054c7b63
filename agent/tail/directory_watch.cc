#include "agent/tail/directory_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace ferry::agent::tail {

DirectoryWatch::~DirectoryWatch() {
  if (fd_ >= 0) ::close(fd_);
}

void DirectoryWatch::start(const std::string& category, const std::vector<std::string>& dirs) {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    spdlog::warn("[{}] inotify unavailable ({}); polling only", category, std::strerror(errno));
    return;
  }
  constexpr uint32_t kMask = IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_MODIFY |
                             IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF;
  for (const auto& dir : dirs) {
    if (::inotify_add_watch(fd_, dir.c_str(), kMask) < 0) {
      spdlog::warn("[{}] cannot watch {} ({}); polling it", category, dir, std::strerror(errno));
    }
  }
}

bool DirectoryWatch::drain() {
  if (fd_ < 0) return false;
  bool any = false;
  alignas(inotify_event) char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n > 0) {
      any = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return any;  // EAGAIN: drained
  }
}

}  // namespace ferry::agent::tail
