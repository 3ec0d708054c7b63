#pragma once
// Order-preserving key encoding for RocksDB: big-endian integers and length-prefixed
// names, so that a prefix scan over (host, category) yields seqs in numeric order.

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::storage {

inline void put_be64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

inline uint64_t get_be64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < in.size(); ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

// Names are at most 255 bytes (batch::valid_name), so one length byte suffices and keeps
// "ab"+"c" distinct from "a"+"bc".
inline void put_name(std::string& out, std::string_view name) {
  out.push_back(static_cast<char>(name.size()));
  out.append(name);
}

// Reads a name written by put_name from the front of `in`, advancing it. Empty on error.
inline std::string_view take_name(std::string_view& in) {
  if (in.empty()) return {};
  size_t n = static_cast<uint8_t>(in[0]);
  if (in.size() < 1 + n) return {};
  std::string_view name = in.substr(1, n);
  in.remove_prefix(1 + n);
  return name;
}

// Key prefix of a stream: name(host) name(category) be64(incarnation).
inline std::string stream_prefix(std::string_view host, std::string_view category,
                                 uint64_t incarnation) {
  std::string k;
  put_name(k, host);
  put_name(k, category);
  put_be64(k, incarnation);
  return k;
}

inline std::string stream_seq_key(std::string_view host, std::string_view category,
                                  uint64_t incarnation, uint64_t seq) {
  std::string k = stream_prefix(host, category, incarnation);
  put_be64(k, seq);
  return k;
}

}  // namespace ferry::storage
