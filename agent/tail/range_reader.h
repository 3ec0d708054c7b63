#pragma once
// Reads a recorded byte range of a file again, for resends: by identity among the files
// held open, then at the names it may have, then in a copy (copytruncate) of it.
//
// Runs on the tail thread; not thread-safe.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "agent/event/time_zone.h"
#include "agent/tail/file_tailer.h"
#include "agent/tail/read_chunk.h"
#include "common/base/clock.h"
#include "common/base/result.h"

namespace ferry::agent::tail {

// Exactly `length` bytes at `offset`; Errc::kRangeUnavailable if the file ends first.
Result<std::string> pread_exact(int fd, uint64_t offset, uint64_t length);

class RangeReader {
 public:
  // Where to look: the files held open now, and (asked only if none of those is the
  // file) the names it may have now.
  struct Files {
    std::vector<const FileTailer*> open;
    std::function<std::vector<std::string>(const FileIdentity&)> names;
  };

  RangeReader(const std::string& category, size_t max_event_bytes, const event::TimeZone* zone)
      : category_(category), max_event_bytes_(max_event_bytes), zone_(zone) {}

  // Exactly the bytes [offset, offset + length) of the file with this identity.
  // Errc::kFileGone if no file has it, kRangeUnavailable if it is too short.
  Result<std::string> read(const Files& files, const FileIdentity& file, uint64_t offset,
                           uint64_t length) const;

  // The events of a recorded range, cut exactly as when it was first read. Lines
  // without a timestamp, and the rest of a long line the range starts inside, get `time`.
  Result<ReadChunk> reread(const Files& files, const FileIdentity& file, uint64_t offset,
                           uint64_t length, TimeMs time) const;

 private:
  const std::string& category_;
  size_t max_event_bytes_;
  const event::TimeZone* zone_;
};

}  // namespace ferry::agent::tail
