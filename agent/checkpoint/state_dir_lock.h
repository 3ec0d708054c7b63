#pragma once
// The agent's claim on its state directory, held for the life of the process.
//
// acquire() makes sure the directory exists (creating it) and is a directory the agent
// can write in, then takes an exclusive flock on <dir>/lock and writes its pid there.
// Two agents on one state dir would hand out the same seqs for different events, so a
// second one is refused, naming the holder's pid. The kernel drops the lock when the
// holder exits, however it exits; a stale lock file left behind by a SIGKILL is not a
// lock.

#include <string>

namespace ferry::agent::checkpoint {

class StateDirLock {
 public:
  // Throws std::runtime_error naming the directory and why it cannot be used.
  static StateDirLock acquire(const std::string& dir);

  StateDirLock(StateDirLock&& other) noexcept;
  StateDirLock& operator=(StateDirLock&& other) noexcept;
  StateDirLock(const StateDirLock&) = delete;
  StateDirLock& operator=(const StateDirLock&) = delete;
  ~StateDirLock();

  const std::string& lock_path() const { return lock_path_; }

 private:
  StateDirLock(int fd, std::string lock_path) : fd_(fd), lock_path_(std::move(lock_path)) {}

  int fd_ = -1;
  std::string lock_path_;
};

}  // namespace ferry::agent::checkpoint
