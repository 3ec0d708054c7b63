#include "common/batch/quarantine_marker.h"

#include <algorithm>

#include "common/base/crc32c.h"
#include "common/batch/event_time_window.h"

namespace ferry::batch {

wire::BatchFrame quarantine_marker(const BatchHeader& refused, std::string_view reason,
                                   TimeMs now) {
  wire::BatchFrame m;
  BatchHeader& h = m.header;
  h.host = refused.host;
  h.category = refused.category;
  h.seq = refused.seq;
  h.incarnation = refused.incarnation;
  h.replay_id = refused.replay_id;
  h.file = refused.file;
  h.file_offset = refused.file_offset;
  h.file_length = refused.file_length;
  const bool times_ok = kReceiverWindow.contains(refused.min_time_ms, now) &&
                        hour_start(refused.min_time_ms) == hour_start(refused.max_time_ms) &&
                        refused.min_time_ms <= refused.max_time_ms;
  h.min_time_ms = h.max_time_ms = times_ok ? refused.min_time_ms : now;
  std::string line(kQuarantinedMarker);
  line.append(reason.substr(0, 1024));
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  line.push_back('\n');
  m.payload = std::move(line);
  h.codec = Codec::kNone;
  h.event_count = 1;
  h.raw_size = h.payload_size = static_cast<uint32_t>(m.payload.size());
  h.payload_crc = crc32c::value(m.payload);
  return m;
}

}  // namespace ferry::batch
