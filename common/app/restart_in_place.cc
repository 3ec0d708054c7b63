#include "common/app/restart_in_place.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include <spdlog/spdlog.h>

namespace ferry::app {
namespace {

// Descriptors the stopped app leaked (a log file's, a library's) must not pile up in
// the new image. close_range where the kernel has CLOSE_RANGE_CLOEXEC (5.11), else /proc.
void cloexec_all_above_stderr() {
#ifdef CLOSE_RANGE_CLOEXEC
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const int fd = std::atoi(entry.path().filename().c_str());
    if (fd <= 2) continue;
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

}  // namespace

int restart_in_place(const char* program, char** argv) {
  spdlog::warn("{}: starting again as a new instance (executing its binary again, same pid)",
               program);
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  cloexec_all_above_stderr();
  ::execv("/proc/self/exe", argv);
  const int err = errno;
  spdlog::critical(
      "{}: cannot execute itself again: {}; exiting (status 1) for the supervisor to restart it",
      program, std::strerror(err));
  std::fprintf(stderr, "%s: cannot execute itself again: %s\n", program, std::strerror(err));
  return 1;
}

}  // namespace ferry::app
