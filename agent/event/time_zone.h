#pragma once
// A time zone from the system's tz database, for RFC 3164 timestamps, which carry no
// zone (DESIGN §3): "Nov 23 07:00:00" written on a host in New York is 12:00 UTC.
//
// Read once, at config load, from the TZif file (RFC 8536) of /usr/share/zoneinfo:
// its explicit transitions, and the last one's offset after them. No TZ environment
// games (setenv/tzset are not thread-safe) and no C++20 tzdb (g++ 12's libstdc++ lacks
// it). Debian's tzdata ships "fat" files whose transitions run to 2037; the footer rule
// for later years is not interpreted. Immutable after load: safe to share.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/clock.h"

namespace ferry::agent::event {

inline constexpr const char* kZoneInfoDir = "/usr/share/zoneinfo";

class TimeZone {
 public:
  static TimeZone utc();
  // An IANA name ("America/New_York", "UTC"); nullopt if no such zone file is readable
  // and valid.
  static std::optional<TimeZone> load(const std::string& name,
                                      const std::string& zoneinfo_dir = kZoneInfoDir);
  // The host's zone, as rsyslog takes it: $TZ if set, else /etc/localtime; UTC if neither
  // can be read.
  static TimeZone local();
  // From the bytes of a TZif file; nullopt if they are not one.
  static std::optional<TimeZone> from_tzif(std::string name, std::string_view tzif);

  const std::string& name() const { return name_; }
  // Local time minus UTC at the instant `utc`.
  int64_t offset_ms_at(TimeMs utc) const;
  // The instant a local wall-clock time (given as if it were UTC) names. In a gap (spring
  // forward) or an overlap (fall back) one of the candidates, consistently.
  TimeMs to_utc(TimeMs local) const;

 private:
  std::string name_;
  std::vector<int64_t> transitions_s_;  // UTC seconds, ascending
  std::vector<int32_t> offsets_s_;      // in force from transitions_s_[i] on
  int32_t initial_offset_s_ = 0;        // before the first transition
};

}  // namespace ferry::agent::event
