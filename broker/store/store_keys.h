#pragma once
// Keys of the broker's column families besides the batch key itself
// (storage::stream_seq_key): the retention index, the counters in "meta", and helpers
// for range scans. All order-preserving (big-endian).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/store/payload_log.h"
#include "common/base/clock.h"
#include "common/storage/key_codec.h"

namespace ferry::broker::store {

// Greater than every batch key: a key starts with a name length byte followed by a
// name character, and names never contain 0xFF.
inline constexpr std::string_view kKeysEnd = "\xff\xff";

// The smallest key strictly after `key`.
inline std::string key_after(std::string_view key) {
  std::string k(key);
  k.push_back('\0');
  return k;
}

// The smallest key greater than every key that starts with `prefix`.
inline std::string prefix_end(std::string_view prefix) {
  std::string k(prefix);
  while (!k.empty() && static_cast<uint8_t>(k.back()) == 0xFF) k.pop_back();
  if (k.empty()) return std::string(kKeysEnd);
  k.back() = static_cast<char>(static_cast<uint8_t>(k.back()) + 1);
  return k;
}

inline uint64_t time_key_part(TimeMs t) { return t < 0 ? 0 : static_cast<uint64_t>(t); }

// Retention index ("retained_by_time"): be64(committed_at) + batch key -> be64(bytes).
inline std::string retention_index_key(TimeMs committed_at, std::string_view batch_key) {
  std::string k;
  storage::put_be64(k, time_key_part(committed_at));
  k.append(batch_key);
  return k;
}

// Its value: be64(payload bytes), then be64(segment) when the payload is in the
// PayloadLog (entries of a version-1 store hold their payload inline and have none).
inline std::string retention_index_value(uint64_t bytes, std::optional<PayloadLocation> at) {
  std::string v;
  storage::put_be64(v, bytes);
  if (at) storage::put_be64(v, at->segment);
  return v;
}

// Column families.
inline constexpr std::string_view kPendingCf = "pending";
inline constexpr std::string_view kRetainedCf = "retained";
inline constexpr std::string_view kIndexCf = "retained_by_time";
inline constexpr std::string_view kMetaCf = "meta";
inline constexpr std::string_view kReplaysCf = "replays";

// "meta" column family.
inline constexpr std::string_view kMetaFormat = "format";
// 2: payloads in the PayloadLog. A store of format 1 is upgraded in place at open (its
// entries with inline payloads stay readable until they expire).
inline constexpr std::string_view kMetaFormatVersion = "ferry-broker-store-2";
inline constexpr std::string_view kMetaFormatInlinePayloads = "ferry-broker-store-1";
inline constexpr std::string_view kMetaExpiredThrough = "expired_through";  // be64 ms
inline constexpr std::string_view kMetaRetained = "retained";  // be64 batches, be64 bytes
inline constexpr std::string_view kMetaHostPrefix = "host/";   // + name(host) -> same

inline constexpr std::string_view kMetaCategoryPrefix =
    "cat/";  // + name(category) -> be64 batches, bytes, events
inline constexpr std::string_view kMetaHasCategories =
    "has_category_counters";  // present once they exist

inline std::string meta_category_key(std::string_view category) {
  std::string k(kMetaCategoryPrefix);
  storage::put_name(k, category);
  return k;
}

inline std::string meta_host_key(std::string_view host) {
  std::string k(kMetaHostPrefix);
  storage::put_name(k, host);
  return k;
}

// A be64 key or value (replay ids, byte counts, the expiry mark).
inline std::string be64(uint64_t v) {
  std::string s;
  storage::put_be64(s, v);
  return s;
}

inline std::string encode_pair(uint64_t a, uint64_t b) {
  std::string v;
  storage::put_be64(v, a);
  storage::put_be64(v, b);
  return v;
}

inline std::string encode_triple(uint64_t a, uint64_t b, uint64_t c) {
  std::string v = encode_pair(a, b);
  storage::put_be64(v, c);
  return v;
}

}  // namespace ferry::broker::store
