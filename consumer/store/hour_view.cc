// HourTracker's /api/hours view: per category, the last 24 hours, complete or waiting on
// which hosts.
#include <algorithm>
#include <climits>

#include "consumer/store/bucket_path.h"
#include "consumer/store/hour_tracker.h"

namespace ferry::consumer::store {

using nlohmann::json;

json HourTracker::snapshot(TimeMs now) const {
  json cats = json::object();
  const TimeMs newest = hour_start(now), oldest = newest - 23 * kMsPerHour;
  for (const auto& [category, c] : categories_) {
    auto expected = expected_hosts(category, now);
    json hosts = json::object();
    for (const auto& h : expected) {
      const StreamState& s = streams_.at({category, h});
      hosts[h] = {{"watermark_ms", s.watermark_ms},
                  {"contiguous_seq", s.contiguous_seq},
                  {"last_contact_ms", s.last_contact_ms}};
    }
    TimeMs first = c.frontier;
    auto rec = hours_.lower_bound({category, TimeMs{INT64_MIN}});
    if (rec != hours_.end() && rec->first.first == category)
      first = std::min(first, rec->first.second);
    json hours = json::array();
    for (TimeMs hour = std::max(first, oldest); hour <= newest; hour += kMsPerHour) {
      const bool complete = c.any_completed && hour < c.frontier;
      json h = {{"hour", format_hour_iso(hour)}, {"hour_start_ms", hour}, {"complete", complete}};
      uint64_t events = 0, batches = 0, late_events = 0, late_batches = 0;
      if (const HourRecord* r = hour_record(category, hour)) {
        for (const auto& [host, n] : r->hosts) {
          events += n.events;
          batches += n.batches;
        }
        late_events = r->late_events;
        late_batches = r->late_batches;
      }
      h["events"] = events;
      h["batches"] = batches;
      h["late_events"] = late_events;
      h["late_batches"] = late_batches;
      if (!complete) {
        json waiting = json::array();
        for (const auto& host : expected) {
          TimeMs wm = streams_.at({category, host}).watermark_ms;
          if (wm < hour + kMsPerHour) waiting.push_back({{"host", host}, {"watermark_ms", wm}});
        }
        h["waiting_on"] = waiting;
        if (expected.empty()) h["waiting_on_reason"] = "no expected hosts";
      }
      hours.push_back(std::move(h));
    }
    cats[category] = {{"expected_hosts", hosts}, {"hours", hours}};
  }
  return json{{"now_ms", now}, {"categories", cats}};
}

}  // namespace ferry::consumer::store
