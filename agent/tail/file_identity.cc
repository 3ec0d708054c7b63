#include "agent/tail/file_identity.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "common/base/crc32c.h"

namespace ferry::agent::tail {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

// Reads up to n bytes from the start of the file.
Result<std::string> read_prefix(int fd, size_t n) {
  std::string buf(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf.data() + got, n - got, static_cast<off_t>(got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  buf.resize(got);
  return buf;
}

}  // namespace

uint64_t make_fingerprint(std::string_view prefix) {
  prefix = prefix.substr(0, kFingerprintBytes);
  return (static_cast<uint64_t>(prefix.size()) << 32) | crc32c::value(prefix);
}

std::optional<uint32_t> head_crc(std::string_view prefix) {
  if (prefix.size() < kMinCopyPrefix) return std::nullopt;
  return crc32c::value(prefix.substr(0, kMinCopyPrefix));
}

Result<bool> starts_with_fingerprint(int fd, uint64_t fingerprint) {
  const uint32_t len = fingerprint_length(fingerprint);
  BOOST_OUTCOME_TRY(prefix, read_prefix(fd, len));
  return prefix.size() == len && crc32c::value(prefix) == fingerprint_crc(fingerprint);
}

Result<bool> fd_matches(int fd, const FileIdentity& id) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return last_error();
  if (static_cast<uint64_t>(st.st_dev) != id.dev || static_cast<uint64_t>(st.st_ino) != id.ino) {
    return false;
  }
  return starts_with_fingerprint(fd, id.fingerprint);
}

std::string to_string(const FileIdentity& id) {
  return fmt::format("{}:{}:{}/{:08x}", id.dev, id.ino, fingerprint_length(id.fingerprint),
                     fingerprint_crc(id.fingerprint));
}

}  // namespace ferry::agent::tail
