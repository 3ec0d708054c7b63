#pragma once
// The output layout (DESIGN §6): <category>/<YYYY-MM-DD>/<HH>/ then, by bucket kind,
// nothing, late/ or replay-<id>/, then part-<consumer>-<n>.log.zst (or .log in plain
// mode). Temporary files live beside their final name as .part-...tmp, a dot name that
// Hadoop-style readers skip. Hours are UTC.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/clock.h"

namespace ferry::consumer::store {

enum class BucketKind : uint8_t { kNormal = 0, kLate = 1, kReplay = 2 };

struct BucketKey {
  std::string category;
  TimeMs hour = 0;  // hour_start of the batches' min_time_ms
  BucketKind kind = BucketKind::kNormal;
  uint64_t replay_id = 0;  // non-zero only for kReplay
  auto operator<=>(const BucketKey&) const = default;
};

// "2024-05-01T13:00:00Z"
std::string format_hour_iso(TimeMs hour);
// "<category>/2024-05-01/13"
std::string hour_dir(std::string_view category, TimeMs hour);
// hour_dir plus "/late" or "/replay-<id>" by kind.
std::string bucket_dir(const BucketKey& key);
// "part-<consumer>-<n>.log.zst" or ".log".
std::string part_name(std::string_view consumer_id, uint64_t n, bool plain);
// "." + part_name + ".tmp"
std::string temp_name(std::string_view consumer_id, uint64_t n, bool plain);

}  // namespace ferry::consumer::store
