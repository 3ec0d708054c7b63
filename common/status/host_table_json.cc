// HostTable::json_text: /api/hosts written straight into a string. Keys come in the
// order nlohmann::json would print them (sorted), so the reply reads as it did.

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/status/host_table.h"

namespace ferry::status {
namespace {

void append_string(std::string& out, const std::string& s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f &&
           c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += s;
    out += '"';
  } else {
    out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

template <typename T>
void append_field(std::string& out, const char* key, T value) {
  fmt::format_to(std::back_inserter(out), "\"{}\":{},", key, value);
}

void append_seconds(std::string& out, const char* key, double value) {
  std::string number = fmt::format("{}", value);
  if (number.find_first_of(".eEn") == std::string::npos)
    number += ".0";  // as nlohmann prints a whole double
  fmt::format_to(std::back_inserter(out), "\"{}\":{},", key, number);
}

void append_stream(std::string& out, const wire::StreamStatus& s) {
  out += '{';
  append_field(out, "backlog_bytes", s.backlog_bytes);
  out += "\"category\":";
  append_string(out, s.category);
  out += ',';
  append_field(out, "oldest_unacked_ms", s.oldest_unacked_ms);
  append_field(out, "unacked_batches", s.unacked_batches);
  append_field(out, "unacked_events", s.unacked_events);
  append_field(out, "unreadable_bytes", s.unreadable_bytes);
  fmt::format_to(std::back_inserter(out), "\"watermark_ms\":{}}}", s.watermark_ms);
}

void append_host(std::string& out, const HostEntry& e, TimeMs now) {
  const TimeMs oldest = e.oldest_unacked_ms();
  out += '{';
  append_field(out, "backlog_bytes", e.backlog_bytes());
  append_field(out, "connected", e.connected ? "true" : "false");
  out += "\"dc\":";
  append_string(out, e.dc);
  out += ",\"host\":";
  append_string(out, e.host);
  out += ',';
  append_field(out, "last_seen_ms", e.last_seen_ms);
  append_seconds(out, "oldest_unacked_age_s",
                 oldest == 0 ? 0.0 : std::max<TimeMs>(0, now - oldest) / 1000.0);
  append_field(out, "oldest_unacked_ms", oldest);
  out += "\"streams\":[";
  for (size_t i = 0; i < e.status.streams.size(); ++i) {
    if (i > 0) out += ',';
    append_stream(out, e.status.streams[i]);
  }
  out += "],";
  append_field(out, "unacked_batches", e.unacked_batches());
  append_field(out, "unacked_events", e.unacked_events());
  append_field(out, "unreadable_bytes", e.unreadable_bytes());
  out += "\"via\":";
  append_string(out, e.via);
  out += '}';
}

}  // namespace

std::string HostTable::json_text(TimeMs now) const {
  const std::vector<HostEntry> hosts = snapshot(now);
  std::string out;
  out.reserve(64 + hosts.size() * 320);
  out += "{\"hosts\":[";
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (i > 0) out += ',';
    append_host(out, hosts[i], now);
  }
  fmt::format_to(std::back_inserter(out), "],\"now_ms\":{}}}", now);
  return out;
}

}  // namespace ferry::status
