#pragma once
// UTC times as operators write them: "2026-12-02T09:00:00Z" (ISO 8601, seconds, Z) and
// "2026-12-02/09" (one hour, as in the output layout's <date>/<hour>).

#include <optional>
#include <string>
#include <string_view>

#include "common/base/clock.h"

namespace ferry {

// "2026-12-02T09:00:00Z" (milliseconds dropped).
std::string format_iso_ms(TimeMs t);

// Parses either form. An hour ("YYYY-MM-DD/HH") means its start, or with `hour_end` its
// end (the next hour's start), so "--from D/09 --to D/09" is that one hour. nullopt
// for anything else, including out-of-range fields.
std::optional<TimeMs> parse_utc_time(std::string_view s, bool hour_end = false);

}  // namespace ferry
