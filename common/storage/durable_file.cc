#include "common/storage/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/base/crash_point.h"

namespace ferry::storage {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

// Closes an fd on scope exit unless released.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return success();
}

std::string parent_dir(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

Result<void> sync_dir(const std::string& dir) {
  FdGuard fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return last_error();
  if (::fsync(fd.get()) != 0) return last_error();
  return success();
}

Result<void> durable_write(const std::string& path, std::string_view content, mode_t mode) {
  // One owner per path, so a fixed temp name is enough; a stale temp left by a crash is
  // simply truncated here.
  const std::string tmp = path + ".tmp";
  {
    FdGuard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return last_error();
    if (::fchmod(fd.get(), mode) != 0) return last_error();  // the umask shaped O_CREAT's mode
    BOOST_OUTCOME_TRY(write_all(fd.get(), content));
    if (::fsync(fd.get()) != 0) return last_error();
    if (::close(fd.release()) != 0) return last_error();
  }
  FERRY_CRASH_POINT("durable_file.before_rename");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return last_error();
  FERRY_CRASH_POINT("durable_file.after_rename");
  return sync_dir(parent_dir(path));
}

Result<std::string> read_whole_file(const std::string& path) {
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return last_error();
  std::string out;
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace ferry::storage
