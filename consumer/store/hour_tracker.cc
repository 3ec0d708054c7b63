#include "consumer/store/hour_tracker.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/base/crash_point.h"
#include "common/storage/key_codec.h"
#include "consumer/store/bucket_path.h"
#include "consumer/store/errc.h"
#include "consumer/store/hour_records.h"
#include "consumer/store/success_marker.h"

namespace ferry::consumer::store {
using nlohmann::json;

HourTracker::HourTracker(storage::RocksStore& db, Sink& sink, const Clock& clock,
                         HourTrackerOptions options)
    : db_(db), sink_(sink), clock_(clock), options_(options), cf_(db.cf(kCf)) {}

Result<std::unique_ptr<HourTracker>> HourTracker::open(storage::RocksStore& db, Sink& sink,
                                                       const Clock& clock,
                                                       HourTrackerOptions options) {
  std::unique_ptr<HourTracker> t(new HourTracker(db, sink, clock, options));
  if (t->cf_ < 0) return std::error_code(Errc::kBadRecord);
  BOOST_OUTCOME_TRY(t->load(""));
  t->expire_idle(clock.now_ms(), {});
  return t;
}

Result<void> HourTracker::load(std::string_view prefix) {
  bool bad = false;
  BOOST_OUTCOME_TRY(db_.scan(cf_, prefix, [&](std::string_view key, std::string_view value) {
    bad = !take_record(key, value);
    return !bad;
  }));
  if (bad) return std::error_code(Errc::kBadRecord);
  return success();
}

bool HourTracker::take_record(std::string_view key, std::string_view value) {
  char tag = key.empty() ? '\0' : key[0];
  std::string_view rest = key.substr(key.empty() ? 0 : 1);
  json j = json::parse(value, nullptr, false);
  if (j.is_discarded()) return false;
  try {
    if (tag == 's') {
      std::string category(storage::take_name(rest));
      std::string host(storage::take_name(rest));
      from_json(j, streams_[{category, host}]);
    } else if (tag == 'h') {
      std::string category(storage::take_name(rest));
      auto hour = static_cast<TimeMs>(storage::get_be64(rest));
      from_json(j, hours_[{category, hour}]);
    } else if (tag == 'c') {
      from_json(j, categories_[std::string(storage::take_name(rest))]);
    } else if (tag == 'f') {
      forgotten_[std::string(storage::take_name(rest))] = j.get<TimeMs>();
    }
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

Result<void> HourTracker::touch(std::string_view category, std::string_view host) {
  const std::string cat(category);
  if (categories_.count(cat) == 0) {
    BOOST_OUTCOME_TRY(load(category_key(category)));
    BOOST_OUTCOME_TRY(load(hours_prefix(category)));
  }
  if (streams_.count({cat, std::string(host)}) == 0) {
    BOOST_OUTCOME_TRY(load(stream_key(category, host)));
  }
  return success();
}

size_t HourTracker::expire_idle(TimeMs now, const Busy& busy) {
  size_t dropped = 0;
  for (auto it = streams_.begin(); it != streams_.end();) {
    const bool idle =
        now - std::max(it->second.last_contact_ms, it->second.learnt_ms) > options_.idle_stream_ms;
    if (idle && busy.count(it->first) == 0) {
      it = streams_.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
  auto has_stream = [&](const std::string& category) {
    auto it = streams_.lower_bound({category, ""});
    return it != streams_.end() && it->first.first == category;
  };
  auto is_busy = [&](const std::string& category) {
    auto it = busy.lower_bound({category, ""});
    return it != busy.end() && it->first == category;
  };
  for (auto it = categories_.begin(); it != categories_.end();) {
    it = has_stream(it->first) || is_busy(it->first) ? std::next(it) : categories_.erase(it);
  }
  for (auto it = hours_.begin(); it != hours_.end();) {
    it = categories_.count(it->first.first) == 0 ? hours_.erase(it) : std::next(it);
  }
  return dropped;
}

void HourTracker::put_stream(storage::RocksStore::Batch& wb, const std::string& category,
                             const std::string& host, const StreamState& s) const {
  wb.put(cf_, stream_key(category, host), to_json(s).dump());
}

bool HourTracker::is_complete(std::string_view category, TimeMs hour) const {
  auto it = categories_.find(std::string(category));
  return it != categories_.end() && it->second.any_completed && hour < it->second.frontier;
}

HourTracker::Staged HourTracker::stage_commit(const FileRecord& rec,
                                              storage::RocksStore::Batch& wb) const {
  Staged st;
  if (rec.bucket.kind == BucketKind::kReplay) return st;  // replays do not move live streams
  const std::string& category = rec.bucket.category;
  const TimeMs hour = rec.bucket.hour;
  const TimeMs now = clock_.now_ms();
  auto hour_it = hours_.find({category, hour});
  HourRecord& hr = st.hours[{category, hour}] =
      hour_it != hours_.end() ? hour_it->second : HourRecord{};
  for (const BatchMeta& b : rec.batches) {
    StreamState& s = staged_stream(st, category, b.host);
    record_committed(s, b.incarnation, b.seq);
    s.last_contact_ms = std::max(s.last_contact_ms, now);
    s.last_produced_ms = std::max(s.last_produced_ms, now);
    if (rec.bucket.kind == BucketKind::kLate) {
      hr.late_events += b.events;
      hr.late_batches += 1;
    } else {
      auto& c = hr.hosts[b.host];
      c.events += b.events;
      c.batches += 1;
    }
  }
  if (rec.bucket.kind == BucketKind::kNormal) {
    auto cit = categories_.find(category);
    CategoryState c = cit != categories_.end() ? cit->second : CategoryState{hour, false};
    if (cit == categories_.end() || (!c.any_completed && hour < c.frontier)) {
      c.frontier = hour;
      st.categories[category] = c;
      wb.put(cf_, category_key(category), to_json(c).dump());
    }
  }
  for (const auto& [key, s] : st.streams) put_stream(wb, key.first, key.second, s);
  wb.put(cf_, hour_key(category, hour), to_json(hr).dump());
  return st;
}

HourTracker::StreamState& HourTracker::staged_stream(Staged& st, const std::string& category,
                                                     const std::string& host) const {
  auto key = std::make_pair(category, host);
  auto it = st.streams.find(key);
  if (it == st.streams.end()) {
    auto from = streams_.find(key);
    it = st.streams.emplace(key, from != streams_.end() ? from->second : StreamState{}).first;
  }
  return it->second;
}

HourTracker::Staged HourTracker::stage_learnt(const FileRecord& rec,
                                              storage::RocksStore::Batch& wb) const {
  Staged st;
  if (rec.bucket.replay_id != 0) return st;  // replays do not move live streams
  const TimeMs now = clock_.now_ms();
  for (const BatchMeta& b : rec.batches) {
    StreamState& s = staged_stream(st, rec.bucket.category, b.host);
    record_committed(s, b.incarnation, b.seq);
    s.learnt_ms = std::max(s.learnt_ms, now);
  }
  for (const auto& [key, s] : st.streams) put_stream(wb, key.first, key.second, s);
  return st;
}

void HourTracker::apply(Staged staged) {
  for (auto& [k, v] : staged.streams) streams_[k] = std::move(v);
  for (auto& [k, v] : staged.hours) hours_[k] = std::move(v);
  for (auto& [k, v] : staged.categories) categories_[k] = v;
}

Result<void> HourTracker::on_watermark(const wire::Watermark& wm) {
  // Only streams with a committed batch are tracked: a watermark cannot make one, so a
  // peer naming endless categories grows nothing here (they come again every status
  // interval, so one that runs ahead of its stream's first commit is not missed).
  auto it = streams_.find({wm.category, wm.host});
  if (it == streams_.end()) {
    ++ignored_watermarks_;
    return success();
  }
  StreamState& s = it->second;
  s.last_contact_ms = std::max(s.last_contact_ms, clock_.now_ms());
  if (!record_watermark(s, wm.incarnation, wm.seq, wm.time_ms, options_.max_pending_watermarks))
    return success();
  auto wb = db_.new_batch();
  put_stream(wb, wm.category, wm.host, s);
  return db_.write(wb, false);
}

Result<void> HourTracker::forget_host(std::string_view host) {
  TimeMs now = clock_.now_ms();
  auto wb = db_.new_batch();
  wb.put(cf_, forgotten_key(host), json(now).dump());
  BOOST_OUTCOME_TRY(db_.write(wb, true));
  forgotten_[std::string(host)] = now;
  return success();
}

std::vector<std::string> HourTracker::expected_hosts(std::string_view category, TimeMs now) const {
  std::vector<std::string> out;
  std::string cat(category);
  for (auto it = streams_.lower_bound({cat, ""}); it != streams_.end() && it->first.first == cat;
       ++it) {
    const std::string& host = it->first.second;
    const StreamState& s = it->second;
    if (s.last_produced_ms == 0 || now - s.last_produced_ms > options_.lookback_ms) continue;
    if (now - s.last_contact_ms > options_.silent_timeout_ms) continue;
    auto f = forgotten_.find(host);
    if (f != forgotten_.end() && s.last_contact_ms <= f->second) continue;
    out.push_back(host);
  }
  return out;
}

const HourTracker::StreamState* HourTracker::stream(std::string_view host,
                                                    std::string_view category) const {
  auto it = streams_.find({std::string(category), std::string(host)});
  return it == streams_.end() ? nullptr : &it->second;
}

const HourTracker::HourRecord* HourTracker::hour_record(std::string_view category,
                                                        TimeMs hour) const {
  auto it = hours_.find({std::string(category), hour});
  return it == hours_.end() ? nullptr : &it->second;
}

Result<void> HourTracker::write_success(const std::string& category, TimeMs hour, TimeMs now) {
  std::map<std::string, MarkerCounts> hosts;
  for (const auto& h : expected_hosts(category, now)) hosts[h] = {};
  if (const HourRecord* r = hour_record(category, hour)) {
    for (const auto& [h, c] : r->hosts) hosts[h] = {c.events, c.batches};
  }
  BOOST_OUTCOME_TRY(write_success_marker(sink_, category, hour, hosts,
                                         hour_dir(category, hour) + "/._SUCCESS.tmp"));
  return success();
}

Result<std::vector<CompletedHour>> HourTracker::evaluate(TimeMs now) {
  std::vector<CompletedHour> done;
  for (auto& [category, c] : categories_) {
    for (int i = 0; i < options_.max_hours_per_evaluate; ++i) {
      const TimeMs hour = c.frontier, end = c.frontier + kMsPerHour;
      if (end > now) break;
      auto expected = expected_hosts(category, now);
      if (expected.empty()) break;
      bool passed = std::all_of(expected.begin(), expected.end(), [&](const std::string& h) {
        return streams_.at({category, h}).watermark_ms >= end;
      });
      if (!passed) break;
      BOOST_OUTCOME_TRY(write_success(category, hour, now));
      FERRY_CRASH_POINT("consumer.after_success_file");
      auto wb = db_.new_batch();
      wb.put(cf_, category_key(category), to_json(CategoryState{end, true}).dump());
      BOOST_OUTCOME_TRY(db_.write(wb, true));
      c.frontier = end;
      c.any_completed = true;
      done.push_back({category, hour});
      spdlog::info("hour complete: {} {}", category, format_hour_iso(hour));
    }
  }
  BOOST_OUTCOME_TRY(prune_hours(now));
  return done;
}

Result<void> HourTracker::prune_hours(TimeMs now) {
  // Forget counts of long-completed hours.
  auto wb = db_.new_batch();
  for (auto it = hours_.begin(); it != hours_.end();) {
    auto c = categories_.find(it->first.first);
    if (c != categories_.end() && it->first.second < now - options_.keep_ms &&
        c->second.any_completed && it->first.second < c->second.frontier) {
      wb.del(cf_, hour_key(it->first.first, it->first.second));
      it = hours_.erase(it);
    } else {
      ++it;
    }
  }
  if (wb.count() > 0) {
    BOOST_OUTCOME_TRY(db_.write(wb, false));
  }
  return success();
}

Result<void> HourTracker::adopt_complete(const std::string& category, TimeMs end) {
  auto it = categories_.find(category);
  if (it == categories_.end() || (it->second.any_completed && it->second.frontier >= end))
    return success();
  auto wb = db_.new_batch();
  wb.put(cf_, category_key(category), to_json(CategoryState{end, true}).dump());
  // Unsynced: after a crash the tier's markers say it again.
  BOOST_OUTCOME_TRY(db_.write(wb, false));
  it->second.frontier = std::max(it->second.frontier, end);
  it->second.any_completed = true;
  return success();
}

}  // namespace ferry::consumer::store
