#include "consumer/kafka/kafka_wire.h"

#include <algorithm>

namespace ferry::consumer::kafka {

void WireWriter::uvarint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void WireWriter::string(std::string_view s) {
  s = s.substr(0, 0x7FFF);
  i16(static_cast<int16_t>(s.size()));
  raw(s);
}

void WireWriter::nullable_string(const std::optional<std::string_view>& s) {
  if (!s) {
    i16(-1);
    return;
  }
  string(*s);
}

void WireWriter::bytes(std::string_view s) {
  i32(static_cast<int32_t>(s.size()));
  raw(s);
}

void WireWriter::compact_string(std::string_view s) {
  uvarint(s.size() + 1);
  raw(s);
}

void WireWriter::compact_nullable_string(const std::optional<std::string_view>& s) {
  if (!s) {
    uvarint(0);
    return;
  }
  compact_string(*s);
}

void WireWriter::compact_bytes(std::string_view s) { compact_string(s); }

void WireWriter::patch_i32(size_t pos, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (size_t i = 0; i < 4; ++i) out_[pos + i] = static_cast<char>((u >> (8 * (3 - i))) & 0xFF);
}

void WireReader::fail(Errc e) {
  if (!error_) error_ = make_error_code(e);
}

uint64_t WireReader::uvarint(int max_bytes) {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; ++i) {
    const auto b = static_cast<uint8_t>(get<uint8_t>());
    if (error_) return 0;
    v |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return v;
  }
  fail(Errc::kBadVarint);
  return 0;
}

uint32_t WireReader::uvarint32() { return static_cast<uint32_t>(uvarint(5)); }

int32_t WireReader::varint32() {
  const auto u = static_cast<uint32_t>(uvarint(5));
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t WireReader::varint64() {
  const uint64_t u = uvarint(10);
  return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

std::string_view WireReader::raw(size_t n) {
  if (error_ || remaining() < n) {
    fail(Errc::kTruncated);
    return {};
  }
  auto s = in_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::optional<std::string_view> WireReader::sized(int64_t length, bool nullable) {
  if (length == -1 && nullable) return std::nullopt;
  if (length < 0) {
    fail(Errc::kNegativeLength);
    return std::string_view{};
  }
  return raw(static_cast<size_t>(length));
}

std::string_view WireReader::string() { return *sized(i16(), false); }

std::optional<std::string_view> WireReader::nullable_string() { return sized(i16(), true); }

std::string_view WireReader::bytes() { return *sized(i32(), false); }

std::optional<std::string_view> WireReader::nullable_bytes() { return sized(i32(), true); }

std::string_view WireReader::compact_string() {
  const uint32_t n = uvarint32();
  if (n == 0) {
    fail(Errc::kNegativeLength);  // null where a string is required
    return {};
  }
  return raw(n - 1);
}

std::optional<std::string_view> WireReader::compact_nullable_string() {
  const uint32_t n = uvarint32();
  if (n == 0) return std::nullopt;
  return raw(n - 1);
}

std::string_view WireReader::compact_bytes() { return compact_string(); }

size_t WireReader::checked_count(int64_t count, size_t min_element_bytes) {
  if (error_) return 0;
  if (count < 0) {
    fail(Errc::kNegativeLength);
    return 0;
  }
  const auto n = static_cast<uint64_t>(count);
  if (n * std::max<size_t>(min_element_bytes, 1) > remaining()) {
    fail(Errc::kCountTooLarge);
    return 0;
  }
  return static_cast<size_t>(n);
}

size_t WireReader::array_count(size_t min_element_bytes) {
  const int32_t n = i32();
  if (n == -1) return 0;
  return checked_count(n, min_element_bytes);
}

std::optional<size_t> WireReader::nullable_array_count(size_t min_element_bytes) {
  const int32_t n = i32();
  if (n == -1 && !error_) return std::nullopt;
  return checked_count(n, min_element_bytes);
}

size_t WireReader::compact_array_count(size_t min_element_bytes) {
  const uint32_t n = uvarint32();
  if (n == 0) return 0;
  return checked_count(static_cast<int64_t>(n) - 1, min_element_bytes);
}

void WireReader::skip_tagged_fields() {
  // A plain count (no +1 as in compact arrays); each field is at least a tag and a size.
  const size_t n = checked_count(uvarint32(), 2);
  for (size_t i = 0; i < n && !error_; ++i) {
    (void)uvarint32();
    const uint32_t size = uvarint32();
    (void)raw(size);
  }
}

}  // namespace ferry::consumer::kafka
