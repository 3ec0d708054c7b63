#include "consumer/store/hour_records.h"

#include "common/storage/key_codec.h"

namespace ferry::consumer::store {

using nlohmann::json;

std::string stream_key(std::string_view category, std::string_view host) {
  std::string k = "s";
  storage::put_name(k, category);
  storage::put_name(k, host);
  return k;
}

std::string hour_key(std::string_view category, TimeMs hour) {
  std::string k = hours_prefix(category);
  storage::put_be64(k, static_cast<uint64_t>(hour));
  return k;
}

std::string hours_prefix(std::string_view category) {
  std::string k = "h";
  storage::put_name(k, category);
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

json to_json(const StreamState& s) {
  return json{{"incarnation", s.incarnation},
              {"contiguous", s.contiguous_seq},
              {"above", s.above},
              {"pending", s.pending_watermarks},
              {"wm", s.watermark_ms},
              {"contact", s.last_contact_ms},
              {"produced", s.last_produced_ms},
              {"learnt", s.learnt_ms}};
}

void from_json(const json& j, StreamState& s) {
  s.incarnation = j.value("incarnation", uint64_t{0});
  j.at("contiguous").get_to(s.contiguous_seq);
  j.at("above").get_to(s.above);
  j.at("pending").get_to(s.pending_watermarks);
  j.at("wm").get_to(s.watermark_ms);
  j.at("contact").get_to(s.last_contact_ms);
  j.at("produced").get_to(s.last_produced_ms);
  s.learnt_ms = j.value("learnt", TimeMs{0});
}

json to_json(const HourRecord& r) {
  json hosts = json::object();
  for (const auto& [h, c] : r.hosts) hosts[h] = {c.events, c.batches};
  return json{{"hosts", hosts}, {"late_events", r.late_events}, {"late_batches", r.late_batches}};
}

void from_json(const json& j, HourRecord& r) {
  for (const auto& [h, c] : j.at("hosts").items()) {
    r.hosts[h] = {c.at(0).get<uint64_t>(), c.at(1).get<uint64_t>()};
  }
  j.at("late_events").get_to(r.late_events);
  j.at("late_batches").get_to(r.late_batches);
}

json to_json(const CategoryState& c) {
  return json{{"frontier", c.frontier}, {"any_completed", c.any_completed}};
}

void from_json(const json& j, CategoryState& c) {
  j.at("frontier").get_to(c.frontier);
  j.at("any_completed").get_to(c.any_completed);
}

}  // namespace ferry::consumer::store
