#pragma once
// Cuts file bytes into events (see event.h): complete lines become events; a line longer
// than max_event_bytes becomes pieces of at most max_event_bytes rendered bytes each,
// emitted as soon as each piece is available, so a huge line without a newline never
// needs more than one piece of memory. Nothing is dropped: the events of a call cover
// exactly the consumed bytes.
//
// Splitting is a pure function of the bytes and the state at the start (line start, or
// inside a long line), so re-reading a recorded byte range after a restart yields the
// same events, byte for byte. Not thread-safe; one per file.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/event/event.h"
#include "agent/event/time_zone.h"
#include "common/base/clock.h"
#include "common/batch/event_time_window.h"

namespace ferry::agent::event {

// Event times further than this from the read time are clamped to the read time.
constexpr batch::EventTimeWindow kAgentTimeWindow{};

// How many event times were clamped, in this process, since start.
uint64_t clamped_event_times();

class LineSplitter {
 public:
  // max_event_bytes is raised to kMinEventBytes if smaller. RFC 3164 timestamps are
  // read in `zone` (UTC if null), which must outlive the splitter.
  explicit LineSplitter(size_t max_event_bytes, const TimeZone* zone = nullptr);

  // Next byte starts a line / continues a long line whose first piece had `line_time`.
  void reset() { mid_line_ = false; }
  void resume_mid_line(TimeMs line_time) {
    mid_line_ = true;
    line_time_ = line_time;
  }
  bool mid_line() const { return mid_line_; }
  TimeMs line_time() const { return line_time_; }
  size_t max_event_bytes() const { return max_event_bytes_; }

  // Cuts events from `bytes`, the file's bytes from `offset` on, and appends them to
  // `out`. Returns how many bytes the events cover; the rest is an incomplete line
  // shorter than a piece, to be presented again with what follows. With `final` (no
  // more bytes will ever follow) the rest becomes an event too.
  size_t split(std::string_view bytes, uint64_t offset, TimeMs read_time, bool final,
               std::vector<Event>& out);

 private:
  size_t max_event_bytes_;
  const TimeZone* zone_;
  bool mid_line_ = false;
  TimeMs line_time_ = 0;
};

}  // namespace ferry::agent::event
