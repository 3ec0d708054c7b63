#include "agent/checkpoint/state_dir_lock.h"

#include "common/storage/file_modes.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

namespace ferry::agent::checkpoint {
namespace {

[[noreturn]] void refuse(const std::string& dir, const std::string& reason) {
  throw std::runtime_error("state_dir " + dir + ": " + reason);
}

std::string errno_text(int err) { return std::strerror(err); }

void ensure_writable_directory(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec)) {
    std::filesystem::permissions(dir, std::filesystem::perms(storage::FileModes{}.dir),
                                 ec);  // as private as the output
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    refuse(dir, "cannot create it (" + (ec ? ec.message() : errno_text(errno)) + ")");
  }
  if (!S_ISDIR(st.st_mode)) refuse(dir, "is not a directory");
  // access() answers for the real uid and ignores read-only mounts: create a file instead,
  // as the checkpoint's temp + rename will.
  const std::string probe = dir + "/.write-probe." + std::to_string(::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) refuse(dir, "is not writable (" + errno_text(errno) + ")");
  ::close(fd);
  ::unlink(probe.c_str());
}

std::string holder_of(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown pid" : "pid " + pid;
}

}  // namespace

StateDirLock StateDirLock::acquire(const std::string& dir) {
  ensure_writable_directory(dir);
  std::string lock_path = dir + "/lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) refuse(dir, "cannot open " + lock_path + " (" + errno_text(errno) + ")");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string reason = err == EWOULDBLOCK
                             ? "is in use by another ferry-agent (" + holder_of(fd) + ", lock " +
                                   lock_path +
                                   "); two agents on one state would reuse sequence numbers"
                             : "cannot lock " + lock_path + " (" + errno_text(err) + ")";
    ::close(fd);
    refuse(dir, reason);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int err = errno;
    ::close(fd);
    refuse(dir, "cannot write " + lock_path + " (" + errno_text(err) + ")");
  }
  return StateDirLock(fd, std::move(lock_path));
}

StateDirLock::StateDirLock(StateDirLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), lock_path_(std::move(other.lock_path_)) {}

StateDirLock& StateDirLock::operator=(StateDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    lock_path_ = std::move(other.lock_path_);
  }
  return *this;
}

StateDirLock::~StateDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace ferry::agent::checkpoint
