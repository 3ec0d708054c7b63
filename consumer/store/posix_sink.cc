#include "consumer/store/posix_sink.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "consumer/store/errc.h"

namespace ferry::consumer::store {
namespace {

std::error_code errno_code() { return {errno, std::generic_category()}; }

Result<void> fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_code();
  int rc = ::fsync(fd);
  std::error_code ec = rc == 0 ? std::error_code{} : errno_code();
  ::close(fd);
  if (ec) return ec;
  return success();
}

std::string dir_of(const std::string& full_path) {
  auto slash = full_path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : full_path.substr(0, slash));
}

class PosixWriter final : public Sink::Writer {
 public:
  PosixWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWriter() override { ::close(fd_); }

  Result<void> append(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_code();
      }
      bytes.remove_prefix(static_cast<size_t>(n));
      size_ += static_cast<uint64_t>(n);
    }
    return success();
  }

  Result<void> sync() override {
    if (::fsync(fd_) != 0) return errno_code();
    if (!dir_synced_) {  // the file's name must survive too
      BOOST_OUTCOME_TRY(fsync_path(dir_of(path_)));
      dir_synced_ = true;
    }
    return success();
  }

  uint64_t size() const override { return size_; }

 private:
  int fd_;
  std::string path_;
  uint64_t size_ = 0;
  bool dir_synced_ = false;
};

}  // namespace

std::string parent_dir(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

PosixSink::PosixSink(std::string root, storage::FileModes modes)
    : root_(std::move(root)), modes_(modes) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string PosixSink::full(const std::string& path) const {
  return path.empty() ? root_ : root_ + "/" + path;
}

Result<std::unique_ptr<Sink::Writer>> PosixSink::create(const std::string& path) {
  std::string p = full(path);
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, modes_.file);
  if (fd < 0) return errno_code();
  if (::fchmod(fd, modes_.file) != 0) {  // the umask shaped O_CREAT's mode
    auto ec = errno_code();
    ::close(fd);
    return ec;
  }
  return std::unique_ptr<Writer>(new PosixWriter(fd, std::move(p)));
}

Result<void> PosixSink::rename(const std::string& from, const std::string& to) {
  std::string f = full(from), t = full(to);
  if (::renameat2(AT_FDCWD, f.c_str(), AT_FDCWD, t.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return Errc::kExists;
    if (errno != EINVAL && errno != ENOSYS) return errno_code();
    // No RENAME_NOREPLACE here (some network filesystems): link refuses an existing
    // target, and a crash between link and unlink leaves both names, which recovery
    // handles as "final exists".
    if (::link(f.c_str(), t.c_str()) != 0) {
      return errno == EEXIST ? std::error_code(Errc::kExists) : errno_code();
    }
    if (::unlink(f.c_str()) != 0) return errno_code();
  }
  BOOST_OUTCOME_TRY(fsync_path(dir_of(t)));
  if (dir_of(f) != dir_of(t)) {
    BOOST_OUTCOME_TRY(fsync_path(dir_of(f)));
  }
  return success();
}

Result<void> PosixSink::replace(const std::string& from, const std::string& to) {
  std::string f = full(from), t = full(to);
  if (::rename(f.c_str(), t.c_str()) != 0) return errno_code();
  BOOST_OUTCOME_TRY(fsync_path(dir_of(t)));
  if (dir_of(f) != dir_of(t)) {
    BOOST_OUTCOME_TRY(fsync_path(dir_of(f)));
  }
  return success();
}

Result<std::optional<uint64_t>> PosixSink::file_size(const std::string& path) {
  struct stat st;
  if (::stat(full(path).c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<uint64_t>();
    return errno_code();
  }
  if (!S_ISREG(st.st_mode)) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(st.st_size));
}

Result<std::vector<std::string>> PosixSink::list(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(full(dir).c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return names;
    return errno_code();
  }
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

Result<std::string> PosixSink::read(const std::string& path) {
  int fd = ::open(full(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_code();
  std::string out;
  char buf[64 << 10];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto ec = errno_code();
      ::close(fd);
      return ec;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<void> PosixSink::remove(const std::string& path) {
  if (::unlink(full(path).c_str()) != 0 && errno != ENOENT) return errno_code();
  return success();
}

Result<void> PosixSink::mkdirs(const std::string& dir) {
  // Create each missing component and fsync its parent, so the chain of names leading
  // to a committed file is durable before the file is.
  size_t pos = 0;
  while (pos <= dir.size()) {
    size_t slash = dir.find('/', pos);
    if (slash == std::string::npos) slash = dir.size();
    std::string prefix = dir.substr(0, slash);
    if (!prefix.empty()) {
      std::string p = full(prefix);
      if (::mkdir(p.c_str(), modes_.dir) == 0) {
        if (::chmod(p.c_str(), modes_.dir) != 0) return errno_code();
        BOOST_OUTCOME_TRY(fsync_path(dir_of(p)));
      } else if (errno != EEXIST) {
        return errno_code();
      }
    }
    pos = slash + 1;
  }
  return success();
}

}  // namespace ferry::consumer::store
