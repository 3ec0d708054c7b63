#include "common/crypto/key_ring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include <openssl/rand.h>

#include "common/wire/errc.h"

namespace ferry::crypto {
namespace fs = std::filesystem;
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_id(const std::string& stem, uint32_t& id) {
  if (stem.empty() || stem.size() > 10 || stem[0] == '0') return false;
  auto [end, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), id);
  return ec == std::errc() && end == stem.data() + stem.size() && id != 0;
}

bool parse_key(std::string text, Key& key) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() != 2 * key.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    key[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::error_code fail(std::string& why, std::string text) {
  why = std::move(text);
  return wire::Errc::kInternal;
}

}  // namespace

std::string KeyRing::describe_ids() const {
  std::string out;
  for (const auto& [id, key] : keys) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out.empty() ? "(none)" : out;
}

Result<KeyRing> load_key_dir(const fs::path& dir, std::string& why) {
  KeyRing ring;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return fail(why, "cannot read key directory " + dir.string() + ": " + ec.message());
  for (const auto& entry : it) {
    const fs::path& p = entry.path();
    if (p.extension() != ".key") continue;
    uint32_t id = 0;
    if (!parse_id(p.stem().string(), id)) {
      return fail(why,
                  "key file " + p.string() + ": name must be <id>.key, id a decimal 1..4294967295");
    }
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0)
      return fail(why, "key file " + p.string() + ": " + std::strerror(errno));
    if ((st.st_mode & 077) != 0) {
      return fail(why,
                  "key file " + p.string() + ": readable by others than its owner (chmod 0600 it)");
    }
    std::ifstream in(p, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in || !parse_key(text.str(), ring.keys[id])) {
      return fail(why, "key file " + p.string() + ": must hold 64 hex digits (a 256-bit key)");
    }
  }
  return ring;
}

Result<uint32_t> make_key_file(const fs::path& dir, std::string& why) {
  std::error_code ec;
  if (fs::create_directories(dir, ec)) fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return fail(why, "cannot create " + dir.string() + ": " + ec.message());
  auto ring = load_key_dir(dir, why);
  if (!ring) return ring.error();
  const uint32_t id = ring.value().newest_id() + 1;
  if (id == 0) return fail(why, "key ids in " + dir.string() + " are exhausted");
  Key key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
    return fail(why, "RAND_bytes failed");
  std::string text;
  for (uint8_t b : key) {
    text.push_back(kHex[b >> 4]);
    text.push_back(kHex[b & 0xF]);
  }
  text.push_back('\n');
  const fs::path path = dir / (std::to_string(id) + ".key");
  // O_EXCL|O_NOFOLLOW: never overwrite a key, never follow a planted link.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail(why, "cannot create " + path.string() + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return fail(why, "cannot write " + path.string() + ": " + std::strerror(saved));
  }
  return id;
}

KeyStore::KeyStore(fs::path dir, std::string& why) : dir_(std::move(dir)) { why = reload(); }

std::string KeyStore::reload() {
  std::string why;
  auto ring = load_key_dir(dir_, why);
  if (!ring) return why;
  if (ring.value().keys.empty()) return "no <id>.key file in " + dir_.string();
  std::lock_guard lock(mu_);
  ring_ = std::make_shared<const KeyRing>(std::move(ring).value());
  return {};
}

}  // namespace ferry::crypto
