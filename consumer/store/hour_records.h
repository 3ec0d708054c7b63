#pragma once
// HourTracker's durable records in the RocksDB column family "hours": their keys and
// their JSON values. One tag byte per kind:
//   s<category><host>  StreamState        (stream_progress.h)
//   h<category><hour>  HourRecord         counts committed per host in that hour
//   c<category>        CategoryState      the oldest hour not yet complete
//   f<host>            when an operator forgot the host (ms)

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/base/clock.h"
#include "consumer/store/stream_progress.h"

namespace ferry::consumer::store {

struct HostCounts {
  uint64_t events = 0;
  uint64_t batches = 0;
};
struct HourRecord {
  std::map<std::string, HostCounts> hosts;  // committed on-time batches
  uint64_t late_events = 0;
  uint64_t late_batches = 0;
};
struct CategoryState {
  TimeMs frontier = 0;  // oldest hour not yet complete
  bool any_completed = false;
};

std::string stream_key(std::string_view category, std::string_view host);
std::string hour_key(std::string_view category, TimeMs hour);
std::string hours_prefix(std::string_view category);  // every hour_key of the category
std::string category_key(std::string_view category);
std::string forgotten_key(std::string_view host);

nlohmann::json to_json(const StreamState& s);
nlohmann::json to_json(const HourRecord& r);
nlohmann::json to_json(const CategoryState& c);
// Throw nlohmann::json::exception on a record that does not parse.
void from_json(const nlohmann::json& j, StreamState& s);
void from_json(const nlohmann::json& j, HourRecord& r);
void from_json(const nlohmann::json& j, CategoryState& c);

}  // namespace ferry::consumer::store
