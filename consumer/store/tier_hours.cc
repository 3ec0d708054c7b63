#include "consumer/store/tier_hours.h"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/batch/batch_header.h"
#include "common/zk/slot_map.h"
#include "consumer/store/bucket_path.h"
#include "consumer/store/shared_commits.h"

namespace ferry::consumer::store {
namespace {

using nlohmann::json;

constexpr std::string_view kProgressSuffix = ".json";

bool valid_hour(TimeMs t) { return t >= 0 && t % kMsPerHour == 0; }

}  // namespace

uint32_t marker_slot(const std::string& category, TimeMs hour) {
  return zk::slot_of("_SUCCESS " + format_hour_iso(hour), category);
}

std::string encode_progress(const HourTracker& t, const std::string& consumer_id, TimeMs now) {
  json streams = json::array();
  for (const auto& [key, s] : t.streams()) {
    // Streams only learnt from others' commits say nothing the others do not.
    if (s.watermark_ms == 0 && s.last_contact_ms == 0 && s.last_produced_ms == 0) continue;
    streams.push_back({{"category", key.first},
                       {"host", key.second},
                       {"wm", s.watermark_ms},
                       {"contact", s.last_contact_ms},
                       {"produced", s.last_produced_ms}});
  }
  json categories = json::object();
  for (const auto& [category, c] : t.categories()) categories[category] = c.frontier;
  json hours = json::array();
  for (const auto& [key, r] : t.hours()) {
    auto c = t.categories().find(key.first);
    if (c != t.categories().end() && c->second.any_completed && key.second < c->second.frontier)
      continue;
    json hosts = json::object();
    for (const auto& [h, n] : r.hosts) hosts[h] = {n.events, n.batches};
    hours.push_back({{"category", key.first}, {"hour_start_ms", key.second}, {"hosts", hosts}});
  }
  json forgotten = json::object();
  for (const auto& [h, when] : t.forgotten()) forgotten[h] = when;
  return json{{"consumer", consumer_id},  {"written_ms", now}, {"streams", streams},
              {"categories", categories}, {"hours", hours},    {"forgotten", forgotten}}
      .dump();
}

bool TierProgress::merge(const std::string& text, std::string& why) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) {
    why = "not a JSON object";
    return false;
  }
  // Parsed whole before any of it is taken: a bad file changes nothing.
  TierProgress mine;
  try {
    for (const auto& s : j.at("streams")) {
      std::string category = s.at("category").get<std::string>(),
                  host = s.at("host").get<std::string>();
      if (!batch::valid_name(category) || !batch::valid_name(host)) {
        why = "invalid stream name " + host + "/" + category;
        return false;
      }
      auto& m = mine.streams[{category, host}];
      m.watermark_ms = s.at("wm").get<TimeMs>();
      m.last_contact_ms = s.at("contact").get<TimeMs>();
      m.last_produced_ms = s.at("produced").get<TimeMs>();
    }
    for (const auto& [category, frontier] : j.at("categories").items()) {
      const TimeMs f = frontier.get<TimeMs>();
      if (!batch::valid_name(category) || !valid_hour(f)) {
        why = "invalid category " + category + " or its hour " + std::to_string(f);
        return false;
      }
      mine.start[category] = f;
    }
    for (const auto& h : j.at("hours")) {
      std::string category = h.at("category").get<std::string>();
      const TimeMs hour = h.at("hour_start_ms").get<TimeMs>();
      if (!batch::valid_name(category) || !valid_hour(hour)) {
        why = "invalid hour " + std::to_string(hour) + " of category " + category;
        return false;
      }
      auto& counts = mine.hours[{category, hour}];
      for (const auto& [host, n] : h.at("hosts").items()) {
        counts[host] = {n.at(0).get<uint64_t>(), n.at(1).get<uint64_t>()};
      }
    }
    for (const auto& [host, when] : j.at("forgotten").items())
      mine.forgotten[host] = when.get<TimeMs>();
  } catch (const json::exception& e) {
    why = e.what();
    return false;
  }
  for (const auto& [key, s] : mine.streams) {
    auto& m = streams[key];
    m.watermark_ms = std::max(m.watermark_ms, s.watermark_ms);
    m.last_contact_ms = std::max(m.last_contact_ms, s.last_contact_ms);
    m.last_produced_ms = std::max(m.last_produced_ms, s.last_produced_ms);
  }
  for (const auto& [category, f] : mine.start) {
    auto [it, fresh] = start.emplace(category, f);
    if (!fresh) it->second = std::min(it->second, f);
  }
  for (const auto& [key, counts] : mine.hours) {
    auto& sum = hours[key];
    for (const auto& [host, n] : counts) {
      sum[host].events += n.events;
      sum[host].batches += n.batches;
    }
  }
  for (const auto& [host, when] : mine.forgotten) forgotten[host] = std::max(forgotten[host], when);
  return true;
}

std::vector<std::string> TierProgress::expected_hosts(const std::string& category, TimeMs now,
                                                      const HourTrackerOptions& options) const {
  std::vector<std::string> out;
  for (auto it = streams.lower_bound({category, ""});
       it != streams.end() && it->first.first == category; ++it) {
    const Stream& s = it->second;
    if (s.last_produced_ms == 0 || now - s.last_produced_ms > options.lookback_ms) continue;
    if (now - s.last_contact_ms > options.silent_timeout_ms) continue;
    auto f = forgotten.find(it->first.second);
    if (f != forgotten.end() && s.last_contact_ms <= f->second) continue;
    out.push_back(it->first.second);
  }
  return out;
}

TierHours::TierHours(Sink& sink, HourTracker& tracker, std::string consumer_id,
                     std::string fence_tag, WritesSlot writes_slot)
    : sink_(sink),
      tracker_(tracker),
      consumer_id_(std::move(consumer_id)),
      fence_tag_(std::move(fence_tag)),
      writes_slot_(std::move(writes_slot)) {}

Result<void> TierHours::publish(TimeMs now) {
  // Written in our temp directory: once we are fenced, nothing of ours lands any more.
  const std::string temp = shared_commits::temp_dir(fence_tag_) + "/progress.json";
  BOOST_OUTCOME_TRY(sink_.mkdirs(kProgressDir));
  BOOST_OUTCOME_TRY(out, sink_.create(temp));
  BOOST_OUTCOME_TRY(out->append(encode_progress(tracker_, consumer_id_, now)));
  BOOST_OUTCOME_TRY(out->sync());
  out.reset();
  return sink_.replace(temp, kProgressDir + "/" + consumer_id_ + std::string(kProgressSuffix));
}

Result<std::vector<CompletedHour>> TierHours::evaluate(TimeMs now) {
  std::vector<CompletedHour> done;
  BOOST_OUTCOME_TRY(publish(now));
  BOOST_OUTCOME_TRY(names, sink_.list(kProgressDir));
  TierProgress progress;
  for (const auto& name : names) {
    if (!name.ends_with(kProgressSuffix) || name.starts_with(".")) continue;
    auto text = sink_.read(kProgressDir + "/" + name);
    if (!text) {
      if (text.error() == std::errc::no_such_file_or_directory) continue;  // removed by an operator
      return text.error();
    }
    std::string why;
    if (!progress.merge(text.value(), why)) {
      // Its streams may be the ones an hour waits for: decide nothing without them.
      if (bad_file_ != name + why)
        spdlog::error("{}/{}: {}; no hour completes until it is fixed or removed", kProgressDir,
                      name, why);
      bad_file_ = name + why;
      return done;
    }
  }
  bad_file_.clear();
  const HourTrackerOptions& options = tracker_.options();
  for (const auto& [category, start] : progress.start) {
    auto& marked = marked_[category];
    marked.erase(marked.begin(), marked.lower_bound(start));
    int written = 0;
    TimeMs hour = start;
    for (; hour + kMsPerHour <= now; hour += kMsPerHour) {
      if (marked.count(hour) != 0) continue;
      BOOST_OUTCOME_TRY(present, sink_.exists(success_path(category, hour)));
      if (present) {
        marked.insert(hour);
        continue;
      }
      if (written >= options.max_hours_per_evaluate) break;
      const TimeMs end = hour + kMsPerHour;
      auto expected = progress.expected_hosts(category, now, options);
      if (expected.empty()) break;
      const bool passed = std::all_of(expected.begin(), expected.end(), [&](const std::string& h) {
        return progress.streams.at({category, h}).watermark_ms >= end;
      });
      // Complete, but not ours to write: its writer will.
      if (!passed || !writes_slot_(marker_slot(category, hour))) break;
      std::map<std::string, MarkerCounts> hosts;
      for (const auto& h : expected) hosts[h] = {};
      if (auto c = progress.hours.find({category, hour}); c != progress.hours.end()) {
        for (const auto& [h, n] : c->second) hosts[h] = n;
      }
      const std::string temp = shared_commits::temp_dir(fence_tag_) + "/_SUCCESS-" + category +
                               "-" + std::to_string(hour) + ".tmp";
      BOOST_OUTCOME_TRY(wrote, write_success_marker(sink_, category, hour, hosts, temp));
      marked.insert(hour);
      ++written;
      if (wrote) {
        done.push_back({category, hour});
        spdlog::info("hour complete: {} {}: _SUCCESS written by {}", category,
                     format_hour_iso(hour), consumer_id_);
      }
    }
    if (hour > start) {
      BOOST_OUTCOME_TRY(tracker_.adopt_complete(category, hour));
    }
  }
  return done;
}

}  // namespace ferry::consumer::store
