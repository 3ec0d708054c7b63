#include "agent/replay/gzip_stream.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ferry::agent::replay {
namespace {
constexpr size_t kCompressedChunk = 64u << 10;
}  // namespace

struct GzipStream::Zlib {
  z_stream s{};
  bool ready = false;
  std::string in;  // the compressed chunk zlib reads from
  ~Zlib() {
    if (ready) inflateEnd(&s);
  }
};

GzipStream::GzipStream(int fd, uint64_t limit)
    : z_(std::make_unique<Zlib>()), fd_(fd), limit_(limit) {
  // 16 + MAX_WBITS: a gzip header and trailer (CRC-32 and length), not raw zlib.
  if (inflateInit2(&z_->s, 16 + MAX_WBITS) != Z_OK) {
    error_ = "cannot start zlib";
    ended_ = true;
    return;
  }
  z_->ready = true;
}

GzipStream::~GzipStream() = default;

bool GzipStream::fill() {
  if (read_ >= limit_) return false;
  z_->in.resize(static_cast<size_t>(std::min<uint64_t>(kCompressedChunk, limit_ - read_)));
  ssize_t n;
  do {
    n = ::pread(fd_, z_->in.data(), z_->in.size(), static_cast<off_t>(read_));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    error_ = std::string("read failed: ") + std::strerror(errno);
    return false;
  }
  if (n == 0) {
    error_ = "the file is shorter than when the replay began";
    return false;
  }
  z_->in.resize(static_cast<size_t>(n));
  read_ += static_cast<uint64_t>(n);
  z_->s.next_in = reinterpret_cast<Bytef*>(z_->in.data());
  z_->s.avail_in = static_cast<uInt>(n);
  return true;
}

bool GzipStream::read(size_t max_bytes, std::string& out) {
  if (ended_) return false;
  const size_t start = out.size();
  out.resize(start + max_bytes);
  size_t produced = 0;
  bool member_ended = false;
  while (produced < max_bytes) {
    if (z_->s.avail_in == 0) {
      if (!fill()) {
        if (error_.empty() && !member_ended) {
          error_ = "truncated: the compressed data ends before the gzip stream does";
        }
        ended_ = true;
        break;
      }
      if (member_ended) {
        // Another gzip member follows the one that ended.
        if (inflateReset(&z_->s) != Z_OK) {
          error_ = "cannot restart zlib";
          ended_ = true;
          break;
        }
        member_ended = false;
      }
    } else if (member_ended) {
      if (inflateReset(&z_->s) != Z_OK) {
        error_ = "cannot restart zlib";
        ended_ = true;
        break;
      }
      member_ended = false;
    }
    z_->s.next_out = reinterpret_cast<Bytef*>(out.data() + start + produced);
    z_->s.avail_out = static_cast<uInt>(max_bytes - produced);
    const int rc = inflate(&z_->s, Z_NO_FLUSH);
    produced = max_bytes - z_->s.avail_out;
    if (rc == Z_STREAM_END) {
      member_ended = true;
      if (z_->s.avail_in == 0 && read_ >= limit_) {
        ended_ = true;
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && z_->s.avail_in == 0) continue;  // needs more input
    if (rc != Z_OK) {
      error_ = std::string("corrupt gzip data: ") +
               (z_->s.msg ? z_->s.msg : "zlib error " + std::to_string(rc));
      ended_ = true;
      break;
    }
  }
  out.resize(start + produced);
  return produced > 0 || !ended_;
}

std::optional<std::string> GzipStream::head(int fd, uint64_t limit, size_t n, std::string& why) {
  GzipStream g(fd, limit);
  std::string out;
  while (out.size() < n && g.read(n - out.size(), out)) {}
  if (out.size() < n && !g.error().empty()) {
    why = g.error();
    return std::nullopt;
  }
  return out;
}

bool is_gzip_name(const std::string& path) {
  return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

}  // namespace ferry::agent::replay
