#pragma once
// The <hour>/_SUCCESS marker of a complete hour (DESIGN §6): a small JSON manifest of the
// hosts expected for the hour and what each had committed on time in it. Written once:
// through a temp file renamed into place, and a rename never replaces an existing
// marker, so whoever comes second (a restart after a crash, another consumer of a tier)
// leaves the first one as it is.

#include <cstdint>
#include <map>
#include <string>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "consumer/store/sink.h"

namespace ferry::consumer::store {

struct MarkerCounts {
  uint64_t events = 0;
  uint64_t batches = 0;
};

// The marker's path, relative to the sink's root.
std::string success_path(const std::string& category, TimeMs hour);

// Writes the marker unless it exists. `hosts`: every expected host (with zero counts if it
// committed nothing on time) and every host that did. `temp`: where the text is written
// and synced before its rename. True when this call wrote it, false when it was there.
Result<bool> write_success_marker(Sink& sink, const std::string& category, TimeMs hour,
                                  const std::map<std::string, MarkerCounts>& hosts,
                                  const std::string& temp);

}  // namespace ferry::consumer::store
