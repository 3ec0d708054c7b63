#pragma once
// The traffic generator behind `ferryctl gen`: appends syslog-style lines, each with a
// unique "id=<host>:<category>:<seq>", to DIR/<host>/<category>.log, at a total rate,
// optionally rotating files by size or at each hour: rename + create (to .1, .2, ... or,
// hourly, .YYYYMMDDHH), copytruncate (copy to .N, truncate in place; the generator is
// the only writer, so no line falls between copy and truncate), or the two in turn
// ("mixed"). Seqs continue across runs
// (DIR/gen.json), so a second run appends new lines, never repeats ids.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace ferry::ferryctl {

struct GenOptions {
  std::string dir;
  std::vector<std::string> hosts;
  std::vector<std::string> categories;
  uint64_t events = 1000;               // per host and category; 0 = until stopped
  double rate = 1000;                   // lines per second over all files; 0 = as fast as possible
  uint64_t rotate_bytes = 0;            // rotate <category>.log past this size; 0 = never
  bool rotate_hourly = false;           // rotate when the hour changes
  std::string rotate_style = "rename";  // "rename", "copytruncate" or "mixed"
  size_t line_bytes = 200;              // approximate
};

struct GenResult {
  uint64_t lines = 0;
  uint64_t rotations = 0;
};

GenResult run_gen(const GenOptions& options, const std::atomic<bool>& stop);

}  // namespace ferry::ferryctl
