#include "common/log/printable.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace ferry::log {
namespace {

// The length of the valid UTF-8 sequence at the start of `s` (2..4), or 0 when it is
// not one: truncated, overlong, a surrogate, or past U+10FFFF.
size_t utf8_sequence_length(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t b0 = byte(0);
  size_t n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (n == 0 || b0 > 0xF4 || s.size() < n) return 0;
  uint32_t cp = b0 & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if (cp >= 0x80 && cp <= 0x9F) return 0;  // C1 controls (CSI and friends)
  return n;
}

void append_escaped(std::string& out, uint8_t b) { out += fmt::format("\\x{:02x}", b); }

}  // namespace

std::string printable(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 16);
  size_t i = 0;
  for (; i < text.size();) {
    auto b = static_cast<uint8_t>(text[i]);
    size_t n = b < 0x80 ? 1 : utf8_sequence_length(text.substr(i));
    if (i + std::max<size_t>(n, 1) > max_bytes) break;
    if (n == 0 || b < 0x20 || b == 0x7F) {
      append_escaped(out, b);
      n = 1;
    } else if (b == '\\') {
      out += "\\\\";
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  if (i < text.size()) out += fmt::format("…(+{} bytes)", text.size() - i);
  return out;
}

}  // namespace ferry::log
