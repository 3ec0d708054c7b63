#pragma once
// The Kafka protocol's primitive types (kafka.apache.org/protocol, "Protocol Primitive
// Types"): big-endian integers, int16-length strings, int32-length bytes, int32-count
// arrays, zigzag varints (record batches) and unsigned varints (compact, flexible
// versions).
//
// WireReader never reads past its view: the first failure sticks (ok() turns false,
// error() says which), later reads return zeros and empty views, so a parser may read a
// whole structure and check once. Counts are checked against the bytes left before the
// caller allocates for them (array_count), so a hostile count never becomes a big
// allocation.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consumer/kafka/errc.h"

namespace ferry::consumer::kafka {

class WireWriter {
 public:
  explicit WireWriter(std::string& out) : out_(out) {}

  void i8(int8_t v) { out_.push_back(static_cast<char>(v)); }
  void i16(int16_t v) { put(static_cast<uint16_t>(v)); }
  void i32(int32_t v) { put(static_cast<uint32_t>(v)); }
  void u32(uint32_t v) { put(v); }
  void i64(int64_t v) { put(static_cast<uint64_t>(v)); }
  void boolean(bool v) { i8(v ? 1 : 0); }
  void uvarint(uint64_t v);
  void varint(int64_t v) {
    uvarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }

  void string(std::string_view s);  // int16 length; longer strings are cut at 32767
  void nullable_string(const std::optional<std::string_view>& s);
  void bytes(std::string_view s);  // int32 length
  void array_count(size_t n) { i32(static_cast<int32_t>(n)); }
  void compact_string(std::string_view s);
  void compact_nullable_string(const std::optional<std::string_view>& s);
  void compact_bytes(std::string_view s);
  void compact_array_count(size_t n) { uvarint(n + 1); }
  void empty_tagged_fields() { uvarint(0); }
  void raw(std::string_view s) { out_.append(s); }

  size_t size() const { return out_.size(); }
  // Overwrites an int32 written earlier at `pos` (a length known only afterwards).
  void patch_i32(size_t pos, int32_t v);

 private:
  template <class T>
  void put(T v) {
    char b[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) {
      b[i] = static_cast<char>((v >> (8 * (sizeof(T) - 1 - i))) & 0xFF);
    }
    out_.append(b, sizeof(T));
  }
  std::string& out_;
};

class WireReader {
 public:
  explicit WireReader(std::string_view in) : in_(in) {}

  bool ok() const { return !error_; }
  std::error_code error() const { return error_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }
  bool at_end() const { return pos_ == in_.size(); }
  // Records a failure found by the caller (the first one sticks).
  void fail(Errc e);

  int8_t i8() { return static_cast<int8_t>(get<uint8_t>()); }
  int16_t i16() { return static_cast<int16_t>(get<uint16_t>()); }
  int32_t i32() { return static_cast<int32_t>(get<uint32_t>()); }
  uint32_t u32() { return get<uint32_t>(); }
  int64_t i64() { return static_cast<int64_t>(get<uint64_t>()); }
  bool boolean() { return i8() != 0; }
  uint32_t uvarint32();
  int32_t varint32();
  int64_t varint64();

  std::string_view string();
  std::optional<std::string_view> nullable_string();
  std::string_view bytes();
  std::optional<std::string_view> nullable_bytes();
  std::string_view compact_string();
  std::optional<std::string_view> compact_nullable_string();
  std::string_view compact_bytes();
  std::string_view raw(size_t n);

  // An int32 array count; -1 (null) reads as 0. Fails with kCountTooLarge when `count *
  // min_element_bytes` exceeds what is left, so a caller may reserve `count` elements.
  size_t array_count(size_t min_element_bytes);
  size_t compact_array_count(size_t min_element_bytes);
  // Same, but -1 (null) is nullopt: Metadata's "all topics", OffsetFetch's "all offsets".
  std::optional<size_t> nullable_array_count(size_t min_element_bytes);
  // Skips a flexible version's tagged fields.
  void skip_tagged_fields();

 private:
  uint64_t uvarint(int max_bytes);
  // The `length` bytes that follow; -1 is null where `nullable`, other negatives fail.
  std::optional<std::string_view> sized(int64_t length, bool nullable);
  size_t checked_count(int64_t count, size_t min_element_bytes);
  template <class T>
  T get() {
    if (error_ || remaining() < sizeof(T)) {
      fail(Errc::kTruncated);
      return 0;
    }
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      v = static_cast<T>((v << 8) | static_cast<uint8_t>(in_[pos_ + i]));
    }
    pos_ += sizeof(T);
    return v;
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::error_code error_;
};

}  // namespace ferry::consumer::kafka
