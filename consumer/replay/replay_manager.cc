#include "consumer/replay/replay_manager.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/base/crash_point.h"
#include "common/base/utc_time.h"
#include "common/batch/batch_header.h"
#include "common/storage/key_codec.h"
#include "consumer/store/bucket_path.h"
#include "consumer/store/commit_manifest.h"
#include "consumer/store/errc.h"
#include "consumer/store/file_record.h"

namespace ferry::consumer::replay {
namespace {

using nlohmann::json;

constexpr TimeMs kMaxRange = 31LL * 24 * kMsPerHour;
constexpr size_t kMaxListed = 1024;

std::string key_of(uint64_t id) {
  std::string k;
  storage::put_be64(k, id);
  return k;
}

http::Response bad(const std::string& why) { return http::Response::text(why + "\n", 400); }

// A list of names from the request body: absent = all.
bool names_from(const json& body, const char* field, std::vector<std::string>& out,
                std::string& why) {
  if (!body.contains(field)) return true;
  const auto& v = body.at(field);
  if (!v.is_array() || v.size() > kMaxListed) {
    why = std::string(field) + " must be a list of at most 1024 names";
    return false;
  }
  for (const auto& n : v) {
    if (!n.is_string() || !batch::valid_name(n.get<std::string>())) {
      why = std::string(field) + ": " + n.dump() + " is not a valid name ([A-Za-z0-9._-]{1,255})";
      return false;
    }
    out.push_back(n.get<std::string>());
  }
  return true;
}

}  // namespace

ReplayManager::ReplayManager(storage::RocksStore& db, store::Sink& sink, asio::thread_pool& worker,
                             asio::any_io_executor io, const Clock& clock)
    : db_(db), cf_(db.cf(kCf)), sink_(sink), worker_(worker), io_(std::move(io)), clock_(clock) {}

Result<void> ReplayManager::load() {
  std::map<uint64_t, ReplayRecord*> running;
  BOOST_OUTCOME_TRYV(db_.scan(cf_, "", [&](std::string_view k, std::string_view v) {
    auto parsed = json::parse(v, nullptr, false);
    auto rec = parsed.is_discarded() ? Result<ReplayRecord>(storage::Errc::kCorruption)
                                     : record_from_json(parsed);
    if (!rec) {
      spdlog::error("replay record {} unreadable: skipped",
                    k.size() == 8 ? storage::get_be64(k) : 0);
      return true;
    }
    auto& r = replays_[rec.value().id] = std::move(rec).value();
    last_id_ = std::max(last_id_, r.id);
    if (r.status == ReplayStatus::kRunning) running[r.id] = &r;
    return true;
  }));
  if (!running.empty()) {
    BOOST_OUTCOME_TRYV(recount(running));
  }
  if (!replays_.empty())
    spdlog::info("replays: {} known, {} running", replays_.size(), running.size());
  // Every broker may have reported done before a crash cut the completion short: no
  // broker reports again, so it resumes here.
  for (auto& [id, r] : running) complete_if_done(*r);
  return success();
}

Result<void> ReplayManager::recount(std::map<uint64_t, ReplayRecord*>& running) {
  // Every committed file of a running replay, from the manifest: counts that a crash
  // between a commit and any other write cannot skew.
  for (auto& [id, r] : running) r->committed.clear();
  const int files = db_.cf(store::CommitManifest::kFilesCf);
  return db_.scan(files, "c", [&](std::string_view, std::string_view v) {
    auto rec = store::decode_record(v);
    if (!rec || rec.value().bucket.kind != store::BucketKind::kReplay) return true;
    auto it = running.find(rec.value().bucket.replay_id);
    if (it == running.end()) return true;
    for (const auto& b : rec.value().batches) {
      auto& c =
          it->second->committed[{b.host, rec.value().bucket.category, rec.value().bucket.hour}];
      c.batches += 1;
      c.events += b.events;
    }
    return true;
  });
}

bool ReplayManager::selects_dc(const ReplayRecord& r, const std::string& dc) const {
  return r.dcs.empty() || std::find(r.dcs.begin(), r.dcs.end(), dc) != r.dcs.end();
}

void ReplayManager::send_to(const std::string& broker, const wire::ReplayRequest& req) {
  auto it = brokers_.find(broker);
  if (it == brokers_.end()) return;
  if (auto c = it->second.conn.lock(); c && c->usable()) c->send(wire::encode(req));
}

void ReplayManager::on_broker_connected(const std::string& broker, const std::string& dc,
                                        const std::shared_ptr<net::FrameConnection>& conn) {
  brokers_[broker] = Live{dc, conn};
  for (auto& [id, r] : replays_) {
    if (r.status != ReplayStatus::kRunning || !selects_dc(r, dc)) continue;
    auto part = r.brokers.find(broker);
    if (part == r.brokers.end()) {
      // A broker of a selected DC that was away when the replay began holds its share too.
      r.brokers[broker].dc = dc;
      persist(r);
    } else if (part->second.state != wire::ReplayState::kRunning) {
      continue;
    }
    send_to(broker, r.request(wire::ReplayAction::kStart));
  }
}

void ReplayManager::on_broker_disconnected(const std::string& broker,
                                           const net::FrameConnection* conn) {
  auto it = brokers_.find(broker);
  if (it == brokers_.end()) return;
  auto c = it->second.conn.lock();
  if (!c || c.get() == conn) brokers_.erase(it);
}

bool ReplayManager::accepts(uint64_t replay_id) const {
  auto it = replays_.find(replay_id);
  return it != replays_.end() && it->second.status == ReplayStatus::kRunning;
}

void ReplayManager::on_added(const batch::BatchHeader& h) {
  pending_[store::batch_id_key(batch::batch_id_of(h))] =
      Pending{hour_start(h.min_time_ms), h.event_count};
}

void ReplayManager::on_committed(const store::BatchId& id) {
  auto p = pending_.find(store::batch_id_key(id));
  if (p == pending_.end()) return;
  auto r = replays_.find(id.replay_id);
  if (r != replays_.end()) {
    auto& c = r->second.committed[{id.host, id.category, p->second.hour}];
    c.batches += 1;
    c.events += p->second.events;
  }
  pending_.erase(p);
}

void ReplayManager::on_progress(const std::string& broker, const wire::ReplayProgress& p) {
  auto r = replays_.find(p.replay_id);
  if (r == replays_.end() || r->second.status != ReplayStatus::kRunning) {
    // Not ours, or over: the broker should stop sending it.
    if (r == replays_.end() || p.state == wire::ReplayState::kRunning) {
      wire::ReplayRequest stop{p.replay_id, wire::ReplayAction::kCancel, 0, 1, 0, {}, {}};
      if (r != replays_.end()) stop = r->second.request(wire::ReplayAction::kCancel);
      send_to(broker, stop);
    }
    return;
  }
  auto& part = r->second.brokers[broker];
  if (auto live = brokers_.find(broker); live != brokers_.end()) part.dc = live->second.dc;
  const bool changed_state = part.state != p.state;
  part.state = p.state;
  part.sent.clear();
  for (const auto& s : p.streams) part.sent[{s.host, s.category}] = Counts{s.batches, s.events};
  part.missing = p.missing;
  if (!changed_state) return;
  if (p.state == wire::ReplayState::kCancelled || p.state == wire::ReplayState::kFailed) {
    r->second.status = ReplayStatus::kFailed;
    r->second.reason =
        "broker " + broker + " reported " + std::string(wire::replay_state_name(p.state));
    r->second.finished_ms = clock_.now_ms();
    spdlog::warn("replay {}: {}", p.replay_id, r->second.reason);
  }
  persist(r->second);
  complete_if_done(r->second);
}

void ReplayManager::complete_if_done(ReplayRecord& r) {
  if (r.status != ReplayStatus::kRunning || r.brokers.empty() || finishing_.count(r.id)) return;
  for (const auto& [b, part] : r.brokers) {
    if (part.state != wire::ReplayState::kDone) return;
  }
  // Every broker asked sent its whole share and saw it committed: mark each replay
  // directory complete, then the replay. _SUCCESS lists what was missing too.
  finishing_.insert(r.id);
  ReplayRecord done = r;
  done.status = ReplayStatus::kComplete;
  done.finished_ms = clock_.now_ms();
  std::map<std::pair<std::string, TimeMs>, json> dirs;
  for (const auto& [k, c] : done.committed) {
    auto& d = dirs[{std::get<1>(k), std::get<2>(k)}];
    if (d.is_null()) d = {{"hosts", json::object()}, {"events", 0}, {"batches", 0}};
    d["hosts"][std::get<0>(k)] = {{"events", c.events}, {"batches", c.batches}};
    d["events"] = d["events"].get<uint64_t>() + c.events;
    d["batches"] = d["batches"].get<uint64_t>() + c.batches;
  }
  json missing = missing_of(done);
  asio::post(worker_, [this, done, dirs = std::move(dirs), missing = std::move(missing)]() mutable {
    Result<void> written = success();
    FERRY_CRASH_POINT("consumer.replay_before_success");
    for (auto& [key, manifest] : dirs) {
      const std::string dir =
          store::bucket_dir({key.first, key.second, store::BucketKind::kReplay, done.id});
      manifest["replay_id"] = done.id;
      manifest["category"] = key.first;
      manifest["hour"] = store::format_hour_iso(key.second);
      manifest["missing"] = missing;
      auto path = dir + "/_SUCCESS", temp = dir + "/._SUCCESS.tmp";
      auto w = [&]() -> Result<void> {
        BOOST_OUTCOME_TRY(present, sink_.exists(path));
        if (present) return success();
        BOOST_OUTCOME_TRYV(sink_.mkdirs(dir));
        BOOST_OUTCOME_TRY(out, sink_.create(temp));
        BOOST_OUTCOME_TRYV(out->append(manifest.dump(2) + "\n"));
        BOOST_OUTCOME_TRYV(out->sync());
        out.reset();
        auto renamed = sink_.rename(temp, path);
        if (!renamed && renamed.error() != std::error_code(store::Errc::kExists))
          return renamed.error();
        return success();
      }();
      if (!w) written = w.error();
    }
    if (written) {
      auto batch = db_.new_batch();
      batch.put(cf_, key_of(done.id), to_json(done).dump());
      if (auto ok = db_.write(batch, true); !ok) written = ok.error();
    }
    // Back on the io thread: the replay is complete once _SUCCESS and its record are durable.
    asio::post(io_, [this, done = std::move(done), written]() mutable {
      finishing_.erase(done.id);
      if (!written) {
        spdlog::error("replay {}: writing _SUCCESS failed: {} (retried at the next report)",
                      done.id, written.error().message());
        return;
      }
      auto& r = replays_[done.id];
      r.status = ReplayStatus::kComplete;
      r.finished_ms = done.finished_ms;
      uint64_t events = 0;
      for (const auto& [k, c] : r.committed) events += c.events;
      spdlog::info("replay {} complete: {} events committed under replay-{}/", done.id, events,
                   done.id);
    });
  });
}

void ReplayManager::persist(const ReplayRecord& r) {
  asio::post(worker_,
             [this, id = r.id, bytes = to_json(r, r.status != ReplayStatus::kRunning).dump()] {
               auto batch = db_.new_batch();
               batch.put(cf_, key_of(id), bytes);
               if (auto ok = db_.write(batch, true); !ok)
                 spdlog::error("replay {}: persisting failed: {}", id, ok.error().message());
             });
}

asio::awaitable<std::error_code> ReplayManager::persist_now(ReplayRecord r) {
  auto bytes = to_json(r, false).dump();
  auto batch = db_.new_batch();
  batch.put(cf_, key_of(r.id), bytes);
  auto w = db_.write(batch, true);
  co_return w ? std::error_code() : w.error();
}

asio::awaitable<http::Response> ReplayManager::start(http::Request req) {
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) co_return bad("the body must be a JSON object");
  ReplayRecord r;
  std::string why;
  if (!body.contains("from_ms") || !body.contains("to_ms") ||
      !body["from_ms"].is_number_integer() || !body["to_ms"].is_number_integer()) {
    co_return bad("from_ms and to_ms (integers, ms since the epoch, UTC) are required");
  }
  r.from_ms = body["from_ms"].get<TimeMs>();
  r.to_ms = body["to_ms"].get<TimeMs>();
  if (r.from_ms < 0 || r.to_ms <= r.from_ms) co_return bad("from_ms must be >= 0 and before to_ms");
  if (r.to_ms - r.from_ms > kMaxRange) co_return bad("a replay covers at most 31 days");
  if (!names_from(body, "hosts", r.hosts, why) ||
      !names_from(body, "categories", r.categories, why) || !names_from(body, "dcs", r.dcs, why)) {
    co_return bad(why);
  }
  r.source = body.value("source", "brokers");
  if (r.source != "brokers" && r.source != "hosts")
    co_return bad("source must be \"brokers\" or \"hosts\"");
  if (body.contains("rate_bytes_per_s")) {
    if (!body["rate_bytes_per_s"].is_number_unsigned())
      co_return bad("rate_bytes_per_s must be a positive integer");
    r.rate_bytes_per_s = body["rate_bytes_per_s"].get<uint64_t>();
  }
  for (const auto& [name, live] : brokers_) {
    auto c = live.conn.lock();
    if (c && c->usable() && selects_dc(r, live.dc)) r.brokers[name].dc = live.dc;
  }
  if (r.brokers.empty()) {
    co_return http::Response::text(
        "no broker of the selected DCs is connected: nothing could send the range\n", 409);
  }
  r.created_ms = clock_.now_ms();
  r.id = std::max<uint64_t>(static_cast<uint64_t>(r.created_ms), last_id_ + 1);
  last_id_ = r.id;
  // Durable before anyone hears of it: the id printed is a replay that survives a crash.
  auto written = co_await asio::co_spawn(worker_, persist_now(r), asio::use_awaitable);
  if (written)
    co_return http::Response::text("recording the replay failed: " + written.message() + "\n", 500);
  auto& kept = replays_[r.id] = std::move(r);
  for (const auto& [name, part] : kept.brokers)
    send_to(name, kept.request(wire::ReplayAction::kStart));
  spdlog::info("replay {} started: {} .. {}, {} brokers asked", kept.id,
               format_iso_ms(kept.from_ms), format_iso_ms(kept.to_ms), kept.brokers.size());
  co_return http::Response::json(json{{"id", kept.id}, {"brokers", kept.brokers.size()}}.dump());
}

asio::awaitable<http::Response> ReplayManager::cancel(http::Request req) {
  auto id_text = req.query_param("id");
  uint64_t id = 0;
  try {
    id = id_text ? std::stoull(*id_text) : 0;
  } catch (...) {}
  auto it = replays_.find(id);
  if (it == replays_.end())
    co_return http::Response::text("no replay with id " + id_text.value_or("") + "\n", 404);
  auto& r = it->second;
  if (r.status != ReplayStatus::kRunning) {
    co_return http::Response::text(
        "replay " + std::to_string(id) + " is already " + std::string(status_name(r.status)) + "\n",
        409);
  }
  r.status = ReplayStatus::kCancelled;
  r.reason = "cancelled by the operator";
  r.finished_ms = clock_.now_ms();
  for (const auto& [name, part] : r.brokers) send_to(name, r.request(wire::ReplayAction::kCancel));
  persist(r);
  co_return http::Response::text("cancelled replay " + std::to_string(id) + "\n");
}

size_t ReplayManager::running() const {
  size_t n = 0;
  for (const auto& [id, r] : replays_) n += r.status == ReplayStatus::kRunning;
  return n;
}

json ReplayManager::detail_json(uint64_t id) const {
  auto it = replays_.find(id);
  if (it == replays_.end()) return nullptr;
  const auto& r = it->second;
  json j = to_json(r, false);
  // Per host and category: replayed (sent by brokers, committed on their side) and
  // committed here, summed over hours.
  std::map<std::pair<std::string, std::string>, std::pair<Counts, Counts>> streams;
  for (const auto& [b, part] : r.brokers) {
    for (const auto& [k, c] : part.sent) {
      streams[k].first.batches += c.batches;
      streams[k].first.events += c.events;
    }
  }
  uint64_t committed_events = 0;
  json hours = json::array();
  for (const auto& [k, c] : r.committed) {
    auto& s = streams[{std::get<0>(k), std::get<1>(k)}].second;
    s.batches += c.batches;
    s.events += c.events;
    committed_events += c.events;
    hours.push_back({{"host", std::get<0>(k)},
                     {"category", std::get<1>(k)},
                     {"hour", store::format_hour_iso(std::get<2>(k))},
                     {"dir", store::bucket_dir({std::get<1>(k), std::get<2>(k),
                                                store::BucketKind::kReplay, r.id})},
                     {"events", c.events},
                     {"batches", c.batches}});
  }
  json rows = json::array();
  for (const auto& [k, v] : streams) {
    rows.push_back({{"host", k.first},
                    {"category", k.second},
                    {"replayed_events", v.first.events},
                    {"replayed_batches", v.first.batches},
                    {"committed_events", v.second.events},
                    {"committed_batches", v.second.batches}});
  }
  json missing = missing_of(r);
  size_t done = 0;
  for (const auto& [b, part] : r.brokers) {
    done += part.state == wire::ReplayState::kDone;
    if (part.state == wire::ReplayState::kRunning && !brokers_.count(b)) {
      missing.push_back(
          {{"broker", b},
           {"host", "*"},
           {"category", "*"},
           {"from", format_iso_ms(r.from_ms)},
           {"to", format_iso_ms(r.to_ms)},
           {"reason", "broker " + b + " is not connected: its share waits until it is back"}});
    }
  }
  j["streams"] = rows;
  j["hours"] = hours;
  j["missing"] = missing;
  j["brokers_done"] = done;
  j["brokers_total"] = r.brokers.size();
  j["committed_events"] = committed_events;
  return j;
}

json ReplayManager::missing_of(const ReplayRecord& r) const {
  std::set<std::string> replayed;  // hosts some broker reported counts for
  for (const auto& [b, part] : r.brokers) {
    for (const auto& [k, c] : part.sent) replayed.insert(k.first);
  }
  json missing = json::array();
  for (const auto& [b, part] : r.brokers) {
    for (const auto& m : part.missing) {
      if (m.reason.starts_with(wire::kHostNotConnected) && replayed.count(m.host)) continue;
      std::string reason = m.reason.starts_with(wire::kHostNotConnected)
                               ? m.reason.substr(wire::kHostNotConnected.size())
                               : m.reason;
      missing.push_back({{"broker", b},
                         {"host", m.host.empty() ? "*" : m.host},
                         {"category", m.category.empty() ? "*" : m.category},
                         {"from", format_iso_ms(m.from_ms)},
                         {"to", format_iso_ms(m.to_ms)},
                         {"reason", reason}});
    }
  }
  if (r.source == "hosts") {
    for (const auto& h : r.hosts) {
      bool reported = replayed.count(h) != 0;
      for (const auto& m : missing) reported |= m["host"] == h;
      if (reported) continue;
      missing.push_back(
          {{"broker", "*"},
           {"host", h},
           {"category", "*"},
           {"from", format_iso_ms(r.from_ms)},
           {"to", format_iso_ms(r.to_ms)},
           {"reason", "host " + h +
                          " is not connected to any broker of the selected DCs: its files "
                          "were not read"}});
    }
  }
  return missing;
}

json ReplayManager::list_json() const {
  json out = json::array();
  for (auto it = replays_.rbegin(); it != replays_.rend(); ++it) {
    json d = detail_json(it->first);
    d.erase("hours");
    out.push_back(std::move(d));
  }
  return json{{"replays", out}, {"running", running()}};
}

}  // namespace ferry::consumer::replay
