#include "consumer/store/hour_tracker.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/base/crash_point.h"
#include "common/storage/key_codec.h"
#include "consumer/store/bucket_path.h"
#include "consumer/store/errc.h"
#include "consumer/store/success_marker.h"

namespace ferry::consumer::store {
namespace {

using nlohmann::json;

// Keys in the "hours" column family.
std::string stream_key(std::string_view category, std::string_view host) {
  std::string k = "s";
  storage::put_name(k, category);
  storage::put_name(k, host);
  return k;
}
std::string hour_key(std::string_view category, TimeMs hour) {
  std::string k = "h";
  storage::put_name(k, category);
  storage::put_be64(k, static_cast<uint64_t>(hour));
  return k;
}
std::string category_key(std::string_view category) {
  std::string k = "c";
  storage::put_name(k, category);
  return k;
}
std::string forgotten_key(std::string_view host) {
  std::string k = "f";
  storage::put_name(k, host);
  return k;
}

json to_json(const HourTracker::StreamState& s) {
  return json{{"incarnation", s.incarnation}, {"contiguous", s.contiguous_seq}, {"above", s.above},
              {"pending", s.pending_watermarks}, {"wm", s.watermark_ms},
              {"contact", s.last_contact_ms},    {"produced", s.last_produced_ms},
              {"learnt", s.learnt_ms}};
}
void from_json(const json& j, HourTracker::StreamState& s) {
  s.incarnation = j.value("incarnation", uint64_t{0});
  j.at("contiguous").get_to(s.contiguous_seq);
  j.at("above").get_to(s.above);
  j.at("pending").get_to(s.pending_watermarks);
  j.at("wm").get_to(s.watermark_ms);
  j.at("contact").get_to(s.last_contact_ms);
  j.at("produced").get_to(s.last_produced_ms);
  s.learnt_ms = j.value("learnt", TimeMs{0});
}
json to_json(const HourTracker::HourRecord& r) {
  json hosts = json::object();
  for (const auto& [h, c] : r.hosts) hosts[h] = {c.events, c.batches};
  return json{{"hosts", hosts}, {"late_events", r.late_events}, {"late_batches", r.late_batches}};
}
void from_json(const json& j, HourTracker::HourRecord& r) {
  for (const auto& [h, c] : j.at("hosts").items()) {
    r.hosts[h] = {c.at(0).get<uint64_t>(), c.at(1).get<uint64_t>()};
  }
  j.at("late_events").get_to(r.late_events);
  j.at("late_batches").get_to(r.late_batches);
}

// Whether a batch or watermark of `incarnation` moves stream `s`: the current one does; a
// newer one supersedes it first (its seqs start again at 1; the hour watermark reached
// so far stays, the newer state only moves it on); an older one does not.
bool takes_part(HourTracker::StreamState& s, uint64_t incarnation) {
  if (incarnation < s.incarnation) return false;
  if (incarnation > s.incarnation) {
    s.incarnation = incarnation;
    s.contiguous_seq = 0;
    s.above.clear();
    s.pending_watermarks.clear();
  }
  return true;
}

// Moves the contiguous prefix forward over out-of-order seqs, then lets every pending
// watermark whose seq is now covered take effect.
void advance(HourTracker::StreamState& s) {
  while (!s.above.empty() && *s.above.begin() <= s.contiguous_seq + 1) {
    s.contiguous_seq = std::max(s.contiguous_seq, *s.above.begin());
    s.above.erase(s.above.begin());
  }
  auto& p = s.pending_watermarks;
  auto covered = std::find_if(p.begin(), p.end(), [&](const auto& w) { return w.first > s.contiguous_seq; });
  for (auto it = p.begin(); it != covered; ++it) s.watermark_ms = std::max(s.watermark_ms, it->second);
  p.erase(p.begin(), covered);
}

}  // namespace

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
      auto& c = categories_[std::string(storage::take_name(rest))];
      j.at("frontier").get_to(c.frontier);
      j.at("any_completed").get_to(c.any_completed);
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
    std::string hours_prefix = "h";
    storage::put_name(hours_prefix, category);
    BOOST_OUTCOME_TRY(load(hours_prefix));
  }
  if (streams_.count({cat, std::string(host)}) == 0) {
    BOOST_OUTCOME_TRY(load(stream_key(category, host)));
  }
  return success();
}

size_t HourTracker::expire_idle(TimeMs now, const Busy& busy) {
  size_t dropped = 0;
  for (auto it = streams_.begin(); it != streams_.end();) {
    const bool idle = now - std::max(it->second.last_contact_ms, it->second.learnt_ms) > options_.idle_stream_ms;
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
  HourRecord& hr = st.hours[{category, hour}] = hour_it != hours_.end() ? hour_it->second : HourRecord{};
  for (const BatchMeta& b : rec.batches) {
    auto key = std::make_pair(category, b.host);
    auto sit = st.streams.find(key);
    if (sit == st.streams.end()) {
      auto mit = streams_.find(key);
      sit = st.streams.emplace(key, mit != streams_.end() ? mit->second : StreamState{}).first;
    }
    StreamState& s = sit->second;
    if (takes_part(s, b.incarnation)) {
      if (b.seq > s.contiguous_seq) s.above.insert(b.seq);
      advance(s);
    }
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
      wb.put(cf_, category_key(category),
             json{{"frontier", c.frontier}, {"any_completed", c.any_completed}}.dump());
    }
  }
  for (const auto& [key, s] : st.streams) put_stream(wb, key.first, key.second, s);
  wb.put(cf_, hour_key(category, hour), to_json(hr).dump());
  return st;
}

HourTracker::Staged HourTracker::stage_learnt(const FileRecord& rec, storage::RocksStore::Batch& wb) const {
  Staged st;
  if (rec.bucket.replay_id != 0) return st;  // replays do not move live streams
  const TimeMs now = clock_.now_ms();
  for (const BatchMeta& b : rec.batches) {
    auto key = std::make_pair(rec.bucket.category, b.host);
    auto sit = st.streams.find(key);
    if (sit == st.streams.end()) {
      auto mit = streams_.find(key);
      sit = st.streams.emplace(key, mit != streams_.end() ? mit->second : StreamState{}).first;
    }
    StreamState& s = sit->second;
    if (takes_part(s, b.incarnation)) {
      if (b.seq > s.contiguous_seq) s.above.insert(b.seq);
      advance(s);
    }
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
  if (!takes_part(s, wm.incarnation)) return success();  // a superseded state's late word
  auto& p = s.pending_watermarks;
  if (wm.seq <= s.contiguous_seq) {
    s.watermark_ms = std::max(s.watermark_ms, wm.time_ms);
  } else if (!p.empty() && p.back().first >= wm.seq) {
    // Out of order or repeated: keep the later time for the highest seq seen.
    if (p.back().first == wm.seq) p.back().second = std::max(p.back().second, wm.time_ms);
  } else {
    p.emplace_back(wm.seq, wm.time_ms);
    if (p.size() > options_.max_pending_watermarks) p.erase(p.begin());
  }
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
  for (auto it = streams_.lower_bound({cat, ""}); it != streams_.end() && it->first.first == cat; ++it) {
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

const HourTracker::HourRecord* HourTracker::hour_record(std::string_view category, TimeMs hour) const {
  auto it = hours_.find({std::string(category), hour});
  return it == hours_.end() ? nullptr : &it->second;
}

Result<void> HourTracker::write_success(const std::string& category, TimeMs hour, TimeMs now) {
  std::map<std::string, MarkerCounts> hosts;
  for (const auto& h : expected_hosts(category, now)) hosts[h] = {};
  if (const HourRecord* r = hour_record(category, hour)) {
    for (const auto& [h, c] : r->hosts) hosts[h] = {c.events, c.batches};
  }
  BOOST_OUTCOME_TRY(write_success_marker(sink_, category, hour, hosts, hour_dir(category, hour) + "/._SUCCESS.tmp"));
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
      wb.put(cf_, category_key(category), json{{"frontier", end}, {"any_completed", true}}.dump());
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
    if (c != categories_.end() && it->first.second < now - options_.keep_ms && c->second.any_completed &&
        it->first.second < c->second.frontier) {
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
  if (it == categories_.end() || (it->second.any_completed && it->second.frontier >= end)) return success();
  auto wb = db_.new_batch();
  wb.put(cf_, category_key(category), json{{"frontier", end}, {"any_completed", true}}.dump());
  // Unsynced: after a crash the tier's markers say it again.
  BOOST_OUTCOME_TRY(db_.write(wb, false));
  it->second.frontier = std::max(it->second.frontier, end);
  it->second.any_completed = true;
  return success();
}

json HourTracker::snapshot(TimeMs now) const {
  json cats = json::object();
  const TimeMs newest = hour_start(now), oldest = newest - 23 * kMsPerHour;
  for (const auto& [category, c] : categories_) {
    auto expected = expected_hosts(category, now);
    json hosts = json::object();
    for (const auto& h : expected) {
      const StreamState& s = streams_.at({category, h});
      hosts[h] = {{"watermark_ms", s.watermark_ms}, {"contiguous_seq", s.contiguous_seq},
                  {"last_contact_ms", s.last_contact_ms}};
    }
    TimeMs first = c.frontier;
    auto rec = hours_.lower_bound({category, TimeMs{INT64_MIN}});
    if (rec != hours_.end() && rec->first.first == category) first = std::min(first, rec->first.second);
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
