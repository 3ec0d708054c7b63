#pragma once
// Streaming decompression of a gzipped rotated log file (logrotate's `compress`), for
// replay from the host's files (DESIGN §7). Memory is bounded: one compressed chunk and
// the zlib window, whatever the file's size. Reads the compressed bytes [0, limit) of an
// open file (limit: its size in the replay's snapshot); several gzip members in a row
// (`cat a.gz b.gz`) are read as one stream, as gzip -d does.
//
// A damaged file (bad header, bad data, bad CRC) or one that ends before its gzip stream
// does (truncated, or compressed bytes past `limit`) is an error naming why: the caller
// reports the file missing, never skips it silently. Not thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ferry::agent::replay {

class GzipStream {
 public:
  // fd stays owned by the caller and open while this reads it.
  GzipStream(int fd, uint64_t limit);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Appends up to `max_bytes` decompressed bytes to `out`. Returns false at the end of
  // the stream (nothing appended) or on error (see error()).
  bool read(size_t max_bytes, std::string& out);
  // Why the last read() failed; empty at a clean end.
  const std::string& error() const { return error_; }

  // The first `n` decompressed bytes of the file (fewer if it is shorter), or nullopt
  // with `why` set if they cannot be read.
  static std::optional<std::string> head(int fd, uint64_t limit, size_t n, std::string& why);

 private:
  bool fill();  // next compressed chunk; false at `limit` or on a read error

  struct Zlib;
  std::unique_ptr<Zlib> z_;
  int fd_;
  uint64_t limit_;
  uint64_t read_ = 0;  // compressed bytes consumed from the file
  bool ended_ = false;
  std::string error_;
};

// Whether a file name is that of a compressed copy (logrotate `compress`): ".gz".
bool is_gzip_name(const std::string& path);

}  // namespace ferry::agent::replay
