#pragma once
// Where to resume a file after a restart: the end of the last recorded batch.

#include <cstdint>
#include <string>

#include "agent/tail/file_identity.h"
#include "common/base/clock.h"

namespace ferry::agent::tail {

struct ResumePoint {
  FileIdentity file;
  uint64_t offset = 0;
  TimeMs line_time_ms = 0;  // time for the rest of a long line split at `offset`
  std::string path;         // last known name, tried if no glob match has the identity
};

}  // namespace ferry::agent::tail
