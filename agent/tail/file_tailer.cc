#include "agent/tail/file_tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>

namespace ferry::agent::tail {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

// pread until `n` bytes or end of file.
Result<size_t> pread_full(int fd, char* buf, size_t n, uint64_t offset) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

}  // namespace

Result<std::unique_ptr<FileTailer>> FileTailer::open(const std::string& path,
                                                     size_t max_event_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return last_error();
  auto id = identity_of_fd(fd);
  if (!id) {
    ::close(fd);
    return id.error();
  }
  return std::unique_ptr<FileTailer>(new FileTailer(fd, path, id.value(), max_event_bytes));
}

FileTailer::FileTailer(int fd, std::string path, FileIdentity id, size_t max_event_bytes)
    : fd_(fd), path_(std::move(path)), identity_(id), splitter_(max_event_bytes) {}

FileTailer::~FileTailer() { ::close(fd_); }

Result<void> FileTailer::seek(uint64_t position, TimeMs line_time) {
  position_ = position;
  pending_.clear();
  splitter_.reset();
  at_eof_ = false;
  if (position == 0) return success();
  // The byte before tells whether `position` is a line start: events end either with
  // '\n' or as a piece of a long line (whose last byte is never '\n').
  char prev = 0;
  BOOST_OUTCOME_TRY(n, pread_full(fd_, &prev, 1, position - 1));
  if (n == 1 && prev != '\n') splitter_.resume_mid_line(line_time);
  return success();
}

Result<FileTailer::Stat> FileTailer::stat() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return last_error();
  return Stat{static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_nlink)};
}

Result<void> FileTailer::refresh_identity() {
  if (fingerprint_final(identity_.fingerprint)) {
    // Truncated and written past our offset again since the last poll looked: what was
    // just read is new content, which the restart at 0 reads in its turn.
    BOOST_OUTCOME_TRY(same, fd_matches(fd_, identity_));
    if (!same) truncated_ = true;
    return success();
  }
  BOOST_OUTCOME_TRY(id, identity_of_fd(fd_));
  if (id.fingerprint == identity_.fingerprint) return success();
  // Only an extension of the old prefix is the same file grown; anything else means the
  // content was replaced under the same inode.
  BOOST_OUTCOME_TRY(same, fd_matches(fd_, identity_));
  if (!same) {
    truncated_ = true;
    return success();
  }
  identity_ = id;
  return success();
}

Result<ReadChunk> FileTailer::flush_after_truncation(TimeMs read_time) {
  ReadChunk chunk;
  chunk.file = identity_;
  chunk.path = path_;
  chunk.offset = position_;
  chunk.bytes = std::move(pending_);
  splitter_.split(chunk.bytes, chunk.offset, read_time, /*final=*/true, chunk.events);
  pending_.clear();
  position_ = 0;
  splitter_.reset();
  truncated_ = false;
  at_eof_ = false;
  BOOST_OUTCOME_TRY(id, identity_of_fd(fd_));
  identity_ = id;
  return chunk;
}

Result<ReadChunk> FileTailer::read(size_t max_bytes, TimeMs read_time, bool final) {
  if (truncated_) return flush_after_truncation(read_time);

  ReadChunk chunk;
  chunk.offset = position_;
  chunk.bytes = std::move(pending_);
  pending_.clear();
  const size_t held = chunk.bytes.size();
  chunk.bytes.resize(held + max_bytes);
  auto got = pread_full(fd_, chunk.bytes.data() + held, max_bytes, position_ + held);
  if (!got) {
    chunk.bytes.resize(held);
    pending_ = std::move(chunk.bytes);
    return got.error();
  }
  chunk.bytes.resize(held + got.value());
  at_eof_ = got.value() < max_bytes;

  // Settle a provisional identity, and make sure the bytes just read are still the
  // file's (not a new content after a truncation), before naming events with it.
  if (got.value() > 0) {
    BOOST_OUTCOME_TRY(refresh_identity());
    if (truncated_) {
      // Nothing of it is handed out; the next read restarts at 0.
      chunk.bytes.resize(held);
      pending_ = std::move(chunk.bytes);
      return ReadChunk{};
    }
  }
  chunk.file = identity_;
  chunk.path = path_;

  const size_t used =
      splitter_.split(chunk.bytes, chunk.offset, read_time, final && at_eof_, chunk.events);
  pending_.assign(chunk.bytes, used, std::string::npos);
  chunk.bytes.resize(used);
  position_ += used;
  return chunk;
}

}  // namespace ferry::agent::tail
