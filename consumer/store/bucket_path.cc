#include "consumer/store/bucket_path.h"

#include <cstdio>
#include <ctime>

namespace ferry::consumer::store {
namespace {

std::tm utc(TimeMs t) {
  std::time_t secs = static_cast<std::time_t>(hour_start(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

}  // namespace

std::string format_hour_iso(TimeMs hour) {
  std::tm tm = utc(hour);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:00:00Z", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour);
  return buf;
}

std::string hour_dir(std::string_view category, TimeMs hour) {
  std::tm tm = utc(hour);
  char buf[64];
  std::snprintf(buf, sizeof buf, "/%04d-%02d-%02d/%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour);
  return std::string(category) + buf;
}

std::string bucket_dir(const BucketKey& key) {
  std::string dir = hour_dir(key.category, key.hour);
  switch (key.kind) {
    case BucketKind::kNormal:
      break;
    case BucketKind::kLate:
      dir += "/late";
      break;
    case BucketKind::kReplay:
      dir += "/replay-" + std::to_string(key.replay_id);
      break;
  }
  return dir;
}

std::string part_name(std::string_view consumer_id, uint64_t n, bool plain) {
  return "part-" + std::string(consumer_id) + "-" + std::to_string(n) +
         (plain ? ".log" : ".log.zst");
}

std::string temp_name(std::string_view consumer_id, uint64_t n, bool plain) {
  return "." + part_name(consumer_id, n, plain) + ".tmp";
}

}  // namespace ferry::consumer::store
