#pragma once
// An event (DESIGN §3): one line of a tailed file, or one piece of a line longer than
// max_event_bytes. An Event names its exact source bytes [offset, offset + length) in the
// file; the bytes that go into a batch ("rendered") are those source bytes, plus:
//
//   - kContinuation: the piece continues the previous event's line and is prefixed with
//     kContinuationMarker ("[ferry:cont] ", 13 bytes);
//   - kNewlineAdded: the source bytes end without '\n' (a non-last piece of a long line,
//     or the unterminated last line of a rotated/deleted file), so a '\n' is appended.
//
// Reassembling a split line downstream (what `ferryctl verify` does): for each event
// that starts with the marker, drop the '\n' ending the previous event and the marker,
// and join. Lines are never altered otherwise; a source line that itself starts with the
// marker is ambiguous, so generators must not write one. All pieces of a line carry the
// time of its first piece, so they stay in one event hour.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/clock.h"

namespace ferry::agent::event {

inline constexpr std::string_view kContinuationMarker = "[ferry:cont] ";
// Starts the one line of a batch whose recorded bytes could not be read again after a
// restart (their file was deleted or truncated meanwhile): it keeps the seq, so the
// stream has no gap, and says in the output what was lost.
inline constexpr std::string_view kLostMarker = "[ferry:lost] ";
// The smallest max_event_bytes accepted: a piece must hold the marker and some bytes.
inline constexpr size_t kMinEventBytes = 64;

enum EventFlag : uint8_t {
  kContinuation = 0x01,
  kNewlineAdded = 0x02,
};

struct Event {
  uint64_t offset = 0;  // of the first source byte in the file
  uint32_t length = 0;  // source bytes, including the '\n' if the line has one
  TimeMs time_ms = 0;   // parsed from the line, else the read time
  uint8_t flags = 0;

  bool continuation() const { return (flags & kContinuation) != 0; }
  bool newline_added() const { return (flags & kNewlineAdded) != 0; }
  // Bytes this event occupies in a batch.
  size_t rendered_size() const {
    return length + (continuation() ? kContinuationMarker.size() : 0) + (newline_added() ? 1 : 0);
  }
  bool operator==(const Event&) const = default;
};

// Appends the event's batch bytes to `out`; `source` is its source bytes (length bytes).
inline void append_rendered(const Event& e, std::string_view source, std::string& out) {
  if (e.continuation()) out.append(kContinuationMarker);
  out.append(source);
  if (e.newline_added()) out.push_back('\n');
}

}  // namespace ferry::agent::event
