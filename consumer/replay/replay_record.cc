#include "consumer/replay/replay_record.h"

#include "common/base/utc_time.h"
#include "common/storage/errc.h"

namespace ferry::consumer::replay {

using nlohmann::json;

std::string_view status_name(ReplayStatus s) {
  switch (s) {
    case ReplayStatus::kRunning:
      return "running";
    case ReplayStatus::kComplete:
      return "complete";
    case ReplayStatus::kCancelled:
      return "cancelled";
    case ReplayStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

wire::ReplayRequest ReplayRecord::request(wire::ReplayAction action) const {
  return wire::ReplayRequest{
      id,
      action,
      from_ms,
      to_ms,
      rate_bytes_per_s,
      hosts,
      categories,
      source == "hosts" ? wire::ReplaySource::kHosts : wire::ReplaySource::kBrokers};
}

json to_json(const ReplayRecord& r, bool with_committed) {
  json brokers = json::array();
  for (const auto& [name, p] : r.brokers) {
    json sent = json::array();
    for (const auto& [k, c] : p.sent) {
      sent.push_back({{"host", k.first},
                      {"category", k.second},
                      {"batches", c.batches},
                      {"events", c.events}});
    }
    json missing = json::array();
    for (const auto& m : p.missing) {
      missing.push_back({{"host", m.host},
                         {"category", m.category},
                         {"from_ms", m.from_ms},
                         {"to_ms", m.to_ms},
                         {"reason", m.reason}});
    }
    brokers.push_back({{"broker", name},
                       {"dc", p.dc},
                       {"state", wire::replay_state_name(p.state)},
                       {"state_code", static_cast<int>(p.state)},
                       {"sent", sent},
                       {"missing", missing}});
  }
  json j = {{"id", r.id},
            {"state", status_name(r.status)},
            {"state_code", static_cast<int>(r.status)},
            {"source", r.source},
            {"from_ms", r.from_ms},
            {"to_ms", r.to_ms},
            {"from", format_iso_ms(r.from_ms)},
            {"to", format_iso_ms(r.to_ms)},
            {"rate_bytes_per_s", r.rate_bytes_per_s},
            {"hosts", r.hosts},
            {"categories", r.categories},
            {"dcs", r.dcs},
            {"created_ms", r.created_ms},
            {"finished_ms", r.finished_ms},
            {"reason", r.reason},
            {"brokers", brokers}};
  if (with_committed) {
    json committed = json::array();
    for (const auto& [k, c] : r.committed) {
      committed.push_back({{"host", std::get<0>(k)},
                           {"category", std::get<1>(k)},
                           {"hour_ms", std::get<2>(k)},
                           {"batches", c.batches},
                           {"events", c.events}});
    }
    j["committed"] = committed;
  }
  return j;
}

Result<ReplayRecord> record_from_json(const json& j) {
  try {
    ReplayRecord r;
    r.id = j.at("id").get<uint64_t>();
    r.status = static_cast<ReplayStatus>(j.at("state_code").get<int>());
    r.source = j.at("source").get<std::string>();
    r.from_ms = j.at("from_ms").get<TimeMs>();
    r.to_ms = j.at("to_ms").get<TimeMs>();
    r.rate_bytes_per_s = j.at("rate_bytes_per_s").get<uint64_t>();
    r.hosts = j.at("hosts").get<std::vector<std::string>>();
    r.categories = j.at("categories").get<std::vector<std::string>>();
    r.dcs = j.at("dcs").get<std::vector<std::string>>();
    r.created_ms = j.at("created_ms").get<TimeMs>();
    r.finished_ms = j.at("finished_ms").get<TimeMs>();
    r.reason = j.at("reason").get<std::string>();
    for (const auto& b : j.at("brokers")) {
      auto& p = r.brokers[b.at("broker").get<std::string>()];
      p.dc = b.at("dc").get<std::string>();
      p.state = static_cast<wire::ReplayState>(b.at("state_code").get<int>());
      for (const auto& s : b.at("sent")) {
        p.sent[{s.at("host").get<std::string>(), s.at("category").get<std::string>()}] =
            Counts{s.at("batches").get<uint64_t>(), s.at("events").get<uint64_t>()};
      }
      for (const auto& m : b.at("missing")) {
        p.missing.push_back({m.at("host").get<std::string>(), m.at("category").get<std::string>(),
                             m.at("from_ms").get<TimeMs>(), m.at("to_ms").get<TimeMs>(),
                             m.at("reason").get<std::string>()});
      }
    }
    if (j.contains("committed")) {
      for (const auto& c : j.at("committed")) {
        r.committed[{c.at("host").get<std::string>(), c.at("category").get<std::string>(),
                     c.at("hour_ms").get<TimeMs>()}] =
            Counts{c.at("batches").get<uint64_t>(), c.at("events").get<uint64_t>()};
      }
    }
    return r;
  } catch (const json::exception&) {
    return storage::Errc::kCorruption;
  }
}

}  // namespace ferry::consumer::replay
