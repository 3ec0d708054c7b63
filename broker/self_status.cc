#include "broker/self_status.h"

#include <algorithm>

namespace ferry::broker {

wire::Status make_self_status(
    const std::string& node_id,
    const std::map<std::string, store::CategoryCount, std::less<>>& pending, TimeMs now) {
  wire::Status st;
  st.host = node_id;
  st.sent_at_ms = now;
  for (const auto& [category, c] : pending) {
    wire::StreamStatus s;
    s.category = category;
    s.unacked_batches = c.batches;
    s.backlog_bytes = c.bytes;
    s.unacked_events = c.events;
    st.streams.push_back(std::move(s));
  }
  if (st.streams.size() > wire::kMaxStatusStreams) {
    std::sort(st.streams.begin(), st.streams.end(),
              [](const auto& a, const auto& b) { return a.backlog_bytes > b.backlog_bytes; });
    st.streams.resize(wire::kMaxStatusStreams);
  }
  return st;
}

}  // namespace ferry::broker
