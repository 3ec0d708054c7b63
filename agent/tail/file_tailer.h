#pragma once
// Reads one open file from a position and cuts what it reads into events. Holds the file
// descriptor, so a file renamed or deleted while open stays readable to its end.
//
// Bytes of an unterminated last line are held ("pending") until the newline arrives; a
// read with `final` set (the file has been rotated away or deleted and nothing more
// will come) turns them into an event. position() is the end of the last event handed
// out; read_offset() the end of what was read (position + pending).
//
// Runs on the tail thread/strand only; not thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "agent/event/line_splitter.h"
#include "agent/tail/file_identity.h"
#include "agent/tail/read_chunk.h"
#include "common/base/clock.h"
#include "common/base/result.h"

namespace ferry::agent::tail {

class FileTailer {
 public:
  // Opens `path` read-only and computes its identity. Reading starts at offset 0.
  static Result<std::unique_ptr<FileTailer>> open(const std::string& path,
                                                  size_t max_event_bytes);
  ~FileTailer();
  FileTailer(const FileTailer&) = delete;
  FileTailer& operator=(const FileTailer&) = delete;

  const FileIdentity& identity() const { return identity_; }
  const std::string& path() const { return path_; }
  void set_path(std::string path) { path_ = std::move(path); }
  int fd() const { return fd_; }
  uint64_t position() const { return position_; }
  uint64_t read_offset() const { return position_ + pending_.size(); }
  // Whether the last read reached the end of the file.
  bool at_eof() const { return at_eof_; }

  // Resumes at `position` (from a checkpoint; the end of a recorded batch). If that is
  // inside a long line, its remaining pieces get `line_time`. Call before reading.
  Result<void> seek(uint64_t position, TimeMs line_time);

  // Reads up to `max_bytes` new bytes and returns the events they complete (possibly
  // none). If the read reaches the end of the file and `final` is set, the pending
  // unterminated line becomes an event too. After mark_truncated(), the next read
  // instead returns the pending bytes as a final event and restarts at offset 0. A read
  // that finds the first bytes changed (truncated and rewritten since anyone looked)
  // hands out nothing and marks the file truncated.
  Result<ReadChunk> read(size_t max_bytes, TimeMs read_time, bool final);

  // The file shrank below read_offset() (copytruncate) or its content was replaced.
  // With `drop_pending`, the unterminated line read so far is dropped instead of being
  // handed out as an event (a copy of the file carries it on from position()).
  void mark_truncated(bool drop_pending = false) {
    truncated_ = true;
    if (drop_pending) pending_.clear();
  }
  // Marked truncated and not read since: the next read() restarts at 0.
  bool truncation_pending() const { return truncated_; }

  // Recomputes a provisional identity (a file shorter than kFingerprintBytes when last
  // looked at) from the file's current first bytes. Content that no longer starts with
  // the identity's prefix counts as a truncation.
  Result<void> refresh_identity();

  // The file's current size (fstat of the descriptor) and link count.
  struct Stat {
    uint64_t size = 0;
    uint64_t nlink = 0;
  };
  Result<Stat> stat() const;

  // Whether the file still starts with the bytes its identity was computed from.
  Result<bool> content_unchanged() const { return fd_matches(fd_, identity_); }

 private:
  FileTailer(int fd, std::string path, FileIdentity id, size_t max_event_bytes);
  Result<ReadChunk> flush_after_truncation(TimeMs read_time);

  int fd_;
  std::string path_;
  FileIdentity identity_;
  event::LineSplitter splitter_;
  uint64_t position_ = 0;
  std::string pending_;
  bool at_eof_ = false;
  bool truncated_ = false;
};

}  // namespace ferry::agent::tail
