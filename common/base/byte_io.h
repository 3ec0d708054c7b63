#pragma once
// Little-endian fixed-width encoding for the wire and for disk. ByteWriter appends to a
// string; ByteReader reads from a view and reports underflow instead of reading past
// the end, so decoding hostile bytes is always safe.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ferry {

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { put(v); }
  void u32(uint32_t v) { put(v); }
  void u64(uint64_t v) { put(v); }
  void i64(int64_t v) { put(static_cast<uint64_t>(v)); }
  void raw(std::string_view s) { out_.append(s); }
  // A string with a u16 length prefix (names, ids, short texts).
  void str16(std::string_view s) {
    u16(static_cast<uint16_t>(s.size()));
    raw(s.substr(0, 0xFFFF));
  }
  // A blob with a u32 length prefix (payloads).
  void str32(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    raw(s);
  }

 private:
  template <class T>
  void put(T v) {
    char b[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    out_.append(b, sizeof(T));
  }
  std::string& out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

  uint8_t u8() { return get<uint8_t>(); }
  uint16_t u16() { return get<uint16_t>(); }
  uint32_t u32() { return get<uint32_t>(); }
  uint64_t u64() { return get<uint64_t>(); }
  int64_t i64() { return static_cast<int64_t>(get<uint64_t>()); }
  std::string_view raw(size_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return {};
    }
    auto s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view str16() { return raw(u16()); }
  std::string_view str32() { return raw(u32()); }

 private:
  template <class T>
  T get() {
    if (!ok_ || remaining() < sizeof(T)) {
      ok_ = false;
      return 0;
    }
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      v |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i));
    }
    pos_ += sizeof(T);
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace ferry
