#include "common/http/admin_token.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace ferry::http {

Result<std::string> read_admin_token(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::error_code(errno ? errno : ENOENT, std::generic_category());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  const char* space = " \t\r\n";
  size_t first = token.find_first_not_of(space);
  token = first == std::string::npos
              ? ""
              : token.substr(first, token.find_last_not_of(space) - first + 1);
  bool printable = token.size() >= 16;
  for (unsigned char c : token) printable = printable && c > 0x20 && c < 0x7f;
  if (!printable) return make_error(std::errc::invalid_argument);
  return token;
}

Result<std::string> create_admin_token(const std::string& path) {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) return make_error(std::errc::io_error);
  std::string token;
  for (unsigned char b : raw) token += fmt::format("{:02x}", b);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return std::error_code(errno, std::generic_category());
  std::string line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return std::error_code(err, std::generic_category());
  return token;
}

}  // namespace ferry::http
