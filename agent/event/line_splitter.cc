#include "agent/event/line_splitter.h"

#include <atomic>

#include <algorithm>
#include <cstring>

#include "agent/event/syslog_time.h"

namespace ferry::agent::event {

LineSplitter::LineSplitter(size_t max_event_bytes, const TimeZone* zone)
    : max_event_bytes_(std::max(max_event_bytes, kMinEventBytes)), zone_(zone) {}

namespace {

std::atomic<uint64_t> clamped_times{0};

// The line's own time, unless it has none or it lies outside the window around the
// read time (a clock reset to 1970, a typo'd year): then the read time, counted.
TimeMs event_time(std::string_view line, TimeMs read_time, const TimeZone* zone) {
  auto parsed = parse_syslog_time(line, read_time, zone);
  if (!parsed) return read_time;
  if (kAgentTimeWindow.contains(*parsed, read_time)) return *parsed;
  clamped_times.fetch_add(1, std::memory_order_relaxed);
  return read_time;
}

}  // namespace

uint64_t clamped_event_times() { return clamped_times.load(std::memory_order_relaxed); }

size_t LineSplitter::split(std::string_view bytes, uint64_t offset, TimeMs read_time, bool final,
                           std::vector<Event>& out) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const bool cont = mid_line_;
    // Source bytes that fit one rendered event, counting its '\n'.
    const size_t cap = max_event_bytes_ - (cont ? kContinuationMarker.size() : 0);
    const size_t avail = bytes.size() - pos;
    const size_t window = std::min(avail, cap);
    const char* start = bytes.data() + pos;
    const void* nl = std::memchr(start, '\n', window);

    Event e;
    e.offset = offset + pos;
    if (nl != nullptr) {
      e.length = static_cast<uint32_t>(static_cast<const char*>(nl) - start + 1);
      mid_line_ = false;
    } else if (avail >= cap) {
      // A piece of a long line: cap - 1 source bytes and an added '\n'.
      e.length = static_cast<uint32_t>(cap - 1);
      e.flags |= kNewlineAdded;
      mid_line_ = true;
    } else if (final) {
      e.length = static_cast<uint32_t>(avail);
      e.flags |= kNewlineAdded;
      mid_line_ = false;
    } else {
      break;  // an incomplete line: wait for more bytes
    }
    if (cont) {
      e.flags |= kContinuation;
      e.time_ms = line_time_;
    } else {
      e.time_ms = event_time({start, e.length}, read_time, zone_);
      line_time_ = e.time_ms;
    }
    out.push_back(e);
    pos += e.length;
  }
  return pos;
}

}  // namespace ferry::agent::event
