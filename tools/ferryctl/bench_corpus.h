#pragma once
// The lines `ferryctl bench pipeline` feeds the agents, like the peers' corpus
// (../shared/peers, `peers.py gen`): syslog lines from 64 hosts and 6 apps carrying a
// JSON event with random users, tracks and durations and a unique seq, about 209 bytes
// each. A latency run's lines also carry their write time ("wt_us", microseconds since
// the epoch) inside the JSON, so every line stays unique and the exact comparison of
// written and delivered lines still holds.

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace ferry::ferryctl {

class EventLines {
 public:
  explicit EventLines(uint64_t seed = 7) : rng_(seed) {}
  // Appends one line, newline included. `ts_ms` is the event's time; `write_us`, when
  // not 0, is carried as "wt_us".
  void append(std::string& out, uint64_t seq, int64_t ts_ms, int64_t write_us = 0);

 private:
  std::mt19937_64 rng_;
};

// The file DIR/corpus-LINES.log (event times from an hour ago on), made once and reused.
std::string make_corpus(const std::string& dir, uint64_t lines);

// What a latency run's line carries: its seq and write time; false for any other line.
bool parse_timed_line(std::string_view line, uint64_t& seq, int64_t& write_us);

}  // namespace ferry::ferryctl
