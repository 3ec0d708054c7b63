#include "agent/tail/file_tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <spdlog/spdlog.h>

#include "agent/tail/errc.h"

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
                                                     size_t max_event_bytes,
                                                     const event::TimeZone* zone) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return last_error();
  std::unique_ptr<FileTailer> tailer(new FileTailer(fd, path, max_event_bytes, zone));
  BOOST_OUTCOME_TRY(tailer->take_identity());
  return tailer;
}

FileTailer::FileTailer(int fd, std::string path, size_t max_event_bytes,
                       const event::TimeZone* zone)
    : fd_(fd), path_(std::move(path)), splitter_(max_event_bytes, zone) {}

FileTailer::~FileTailer() { ::close(fd_); }

Result<void> FileTailer::take_identity() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return last_error();
  if (!S_ISREG(st.st_mode)) return Errc::kNotRegularFile;
  BOOST_OUTCOME_TRY(prefix, stable_prefix());
  identity_.dev = static_cast<uint64_t>(st.st_dev);
  identity_.ino = static_cast<uint64_t>(st.st_ino);
  set_prefix(std::move(prefix));
  return success();
}

Result<std::string> FileTailer::stable_prefix() const {
  // A read racing a truncation and rewrite can return part of each content, a prefix of
  // neither: a read counts once the next one continues it (the file may be growing).
  std::string last;
  for (int attempt = 0;; ++attempt) {
    std::string prefix(kFingerprintBytes, '\0');
    BOOST_OUTCOME_TRY(n, pread_full(fd_, prefix.data(), prefix.size(), 0));
    prefix.resize(n);
    if (attempt > 0 && prefix.starts_with(last)) return last;
    if (attempt == 4) return Errc::kRangeUnavailable;  // still being replaced: look again later
    last = std::move(prefix);
  }
}

void FileTailer::set_prefix(std::string prefix) {
  prefix_ = std::move(prefix);
  identity_.fingerprint = make_fingerprint(prefix_);
}

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

Result<bool> FileTailer::content_replaced(uint64_t seen) {
  // Still the bytes the identity was taken from (a final identity never changes else).
  BOOST_OUTCOME_TRY(same, starts_with_fingerprint(fd_, identity_.fingerprint));
  if (!same) return true;
  if (prefix_.size() >= kFingerprintBytes) return false;
  // Provisional: take in what the file has grown since, if it continues what is known.
  BOOST_OUTCOME_TRY(prefix, stable_prefix());
  const size_t n = prefix.size();
  // Fewer first bytes than were seen: truncated since (its new content, if any, may yet
  // start like the old).
  if (!prefix.starts_with(prefix_) || n < std::min<uint64_t>(seen, kFingerprintBytes)) return true;
  set_prefix(std::move(prefix));
  return false;
}

bool FileTailer::continues_prefix(std::string_view bytes, uint64_t offset,
                                  std::string& longer) const {
  longer.clear();
  if (offset > prefix_.size()) return true;  // not contiguous: nothing to compare or add
  const size_t overlap = std::min<size_t>(prefix_.size() - offset, bytes.size());
  if (bytes.substr(0, overlap) != std::string_view(prefix_).substr(offset, overlap)) return false;
  if (prefix_.size() < kFingerprintBytes && overlap < bytes.size()) {
    longer = prefix_;
    longer.append(bytes.substr(overlap, kFingerprintBytes - prefix_.size()));
  }
  return true;
}

Result<void> FileTailer::restart_after_truncation(TimeMs now, bool drop_pending) {
  if (!drop_pending && !pending_.empty()) {
    ReadChunk tail;
    tail.file = identity_;
    tail.path = path_;
    tail.offset = position_;
    tail.bytes = std::move(pending_);
    splitter_.split(tail.bytes, tail.offset, now, /*final=*/true, tail.events);
    old_tail_ = std::move(tail);
  }
  pending_.clear();
  position_ = 0;
  splitter_.reset();
  at_eof_ = false;
  replaced_ = false;
  // Known by none of the old bytes even if the new ones cannot be read now: its
  // identity then grows from its own reads.
  set_prefix({});
  return take_identity();
}

bool FileTailer::drop_old_tail(const FileIdentity& content, uint64_t offset) {
  if (!old_tail_ || !(old_tail_->file == content) || old_tail_->offset != offset) return false;
  old_tail_.reset();
  return true;
}

Result<ReadChunk> FileTailer::read(size_t max_bytes, TimeMs read_time, bool final) {
  if (old_tail_) {
    ReadChunk tail = std::move(*old_tail_);
    old_tail_.reset();
    return tail;
  }
  if (replaced_) return ReadChunk{};  // the owner has not restarted it yet

  // No bigger a buffer than the file has bytes for: idle files are read on every pass.
  BOOST_OUTCOME_TRY(st, stat());
  ReadChunk chunk;
  chunk.offset = position_;
  chunk.bytes = std::move(pending_);
  pending_.clear();
  const size_t held = chunk.bytes.size();
  const uint64_t from = position_ + held;
  const size_t want =
      st.size > from ? static_cast<size_t>(std::min<uint64_t>(max_bytes, st.size - from)) : 0;
  chunk.bytes.resize(held + want);
  auto got = pread_full(fd_, chunk.bytes.data() + held, want, from);
  if (!got) {
    chunk.bytes.resize(held);
    pending_ = std::move(chunk.bytes);
    return got.error();
  }
  chunk.bytes.resize(held + got.value());
  at_eof_ = got.value() < max_bytes;

  // The bytes just read must be this content's, not a new one written after a
  // truncation nobody has seen yet: they must continue the known first bytes, and the
  // file must still start with those after the read. A provisional identity grows from
  // these very bytes (a re-read could see another content).
  if (got.value() > 0) {
    std::string longer;
    bool same = continues_prefix(std::string_view(chunk.bytes).substr(held), from, longer);
    if (same) {
      // Bytes of a new content past an old prefix would make a prefix of neither.
      const uint64_t fingerprint =
          longer.empty() ? identity_.fingerprint : make_fingerprint(longer);
      BOOST_OUTCOME_TRY(still, starts_with_fingerprint(fd_, fingerprint));
      same = still;
      if (same && !longer.empty()) set_prefix(std::move(longer));
    }
    if (!same) {
      chunk.bytes.resize(held);
      pending_ = std::move(chunk.bytes);
      replaced_ = true;
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
