#pragma once
// inotify on the directories of a source's globs. It only wakes the owner earlier: what
// changed is found by polling, so a directory that cannot be watched is polled only.
//
// Runs on the tail thread; not thread-safe.

#include <string>
#include <vector>

namespace ferry::agent::tail {

class DirectoryWatch {
 public:
  DirectoryWatch() = default;
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // Watches `dirs` for files created, moved, deleted or written (best effort: what fails
  // is logged, naming `category`, and left to polling).
  void start(const std::string& category, const std::vector<std::string>& dirs);
  // Readable when something changed in a watched directory; -1 without inotify.
  int fd() const { return fd_; }
  // Consumes pending events; true if there were any.
  bool drain();

 private:
  int fd_ = -1;
};

}  // namespace ferry::agent::tail
