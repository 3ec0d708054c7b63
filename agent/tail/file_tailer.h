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
#include <optional>
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
  // RFC 3164 times are read in `zone` (UTC if null; it must outlive the tailer).
  static Result<std::unique_ptr<FileTailer>> open(const std::string& path, size_t max_event_bytes,
                                                  const event::TimeZone* zone = nullptr);
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
  // unterminated line becomes an event too. A read that finds the file's first bytes
  // changed (truncated and rewritten since anyone looked) hands out nothing and sets
  // replacement_found(); reading stops until restart_after_truncation().
  Result<ReadChunk> read(size_t max_bytes, TimeMs read_time, bool final);
  bool replacement_found() const { return replaced_; }

  // Whether the content the identity names is gone: the first bytes changed, or there
  // are fewer of them than the `seen` bytes already read. A provisional identity (fewer
  // than kFingerprintBytes seen) that the file's first bytes extend is refined instead:
  // the file grew.
  Result<bool> content_replaced(uint64_t seen);

  // The file shrank below read_offset() (copytruncate) or its content was replaced:
  // reading restarts at 0 on what it holds now, under that content's identity. The
  // unterminated line read so far is handed out by the next read as the old content's
  // final event, or with `drop_pending` dropped (a copy carries it on from position()).
  Result<void> restart_after_truncation(TimeMs now, bool drop_pending);
  // Drops the old content's last line, not yet handed out, if it is that `content`'s
  // and starts at `offset` (a copy found since carries it whole); true if it did.
  bool drop_old_tail(const FileIdentity& content, uint64_t offset);

  // CRC of the first kMinCopyPrefix bytes as of the identity (nullopt if fewer).
  std::optional<uint32_t> head_crc() const { return tail::head_crc(prefix_); }

  // The file's current size (fstat of the descriptor) and link count.
  struct Stat {
    uint64_t size = 0;
    uint64_t nlink = 0;
  };
  Result<Stat> stat() const;

 private:
  FileTailer(int fd, std::string path, size_t max_event_bytes, const event::TimeZone* zone);
  // Identity (and prefix_) from fstat and the file's first bytes now.
  Result<void> take_identity();
  void set_prefix(std::string prefix);
  // The file's first bytes (up to kFingerprintBytes), read consistently.
  Result<std::string> stable_prefix() const;
  // `bytes` were read at `offset`: false if they contradict the known first bytes; else
  // `longer` gets the first bytes they extend a provisional identity to (empty if none).
  bool continues_prefix(std::string_view bytes, uint64_t offset, std::string& longer) const;

  int fd_;
  std::string path_;
  FileIdentity identity_;
  event::LineSplitter splitter_;
  uint64_t position_ = 0;
  std::string pending_;
  bool at_eof_ = false;
  bool replaced_ = false;
  std::string prefix_;  // the content's first bytes (up to kFingerprintBytes) the identity hashes
  std::optional<ReadChunk> old_tail_;  // the replaced content's last line, not yet handed out
};

}  // namespace ferry::agent::tail
