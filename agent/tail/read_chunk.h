#pragma once
// What one read of a tailed file yields: a contiguous byte range of one file and the
// events that exactly cover it (event i+1 starts where event i ends).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/event/event.h"
#include "common/batch/batch_header.h"

namespace ferry::agent::tail {

struct ReadChunk {
  batch::FileIdentity file;
  std::string path;     // the file's name when it was read (it may have moved since)
  uint64_t offset = 0;  // file offset of bytes[0]
  std::string bytes;    // the source bytes of all events
  std::vector<event::Event> events;

  bool empty() const { return events.empty(); }
  uint64_t end_offset() const { return offset + bytes.size(); }
  // The source bytes of one of this chunk's events.
  std::string_view source(const event::Event& e) const {
    return std::string_view(bytes).substr(e.offset - offset, e.length);
  }
};

}  // namespace ferry::agent::tail
