#pragma once
// The two halves of a latency run of `ferryctl bench pipeline`: a writer appending
// timed lines to the agents' files at a steady rate, and a watcher noting when each
// line first shows in the consumer's committed output. Latency = first visible - written,
// both read from the same wall clock, to within the watcher's poll interval.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::ferryctl {

// Microseconds since the Unix epoch: the clock a timed line's write time is read from,
// so every reader of it times the line with the same clock.
int64_t wall_clock_us();

// Appends `rate` lines/s for `seconds` in bursts every 10 ms, spread round-robin over
// `files` (created if absent); each burst is one write(2) per file of whole lines, each
// line carrying the burst's time. Runs on its own thread from the constructor on.
class RateWriter {
 public:
  RateWriter(std::vector<std::string> files, double rate, double seconds);
  ~RateWriter();
  void join();
  uint64_t written() const { return written_.load(); }
  double elapsed_seconds() const { return elapsed_.load(); }  // of writing, once joined
  const std::string& error() const { return error_; }         // after join

 private:
  void run();

  std::vector<std::string> files_;
  double rate_, seconds_;
  std::atomic<uint64_t> written_{0};
  std::atomic<double> elapsed_{0};
  std::atomic<bool> stop_{false};
  std::string error_;
  std::thread thread_;
};

// Scans the output root every `poll_ms` for part files not seen before (committed parts
// appear whole, by rename) and records, per timed line, when it was first seen.
class CommitWatcher {
 public:
  explicit CommitWatcher(std::string output_root, int poll_ms = 20);
  ~CommitWatcher();
  void stop();
  uint64_t lines_seen() const { return seen_.load(); }  // distinct timed lines
  // Microseconds from write to first visibility, one per distinct line seen; after stop().
  std::vector<int64_t> latencies_us() const;
  const std::string& error() const { return error_; }       // after stop()
  size_t parts_seen() const { return parts_seen_.size(); }  // committed part files; after stop()

 private:
  void run();
  void scan();

  std::string root_;
  int poll_ms_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> seen_{0};
  std::vector<std::string> parts_seen_;  // sorted relative paths
  std::vector<int64_t> latency_us_;      // by seq; kNotSeen until seen
  std::string error_;
  std::thread thread_;
};

struct LatencySummary {
  uint64_t count = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};
LatencySummary summarize_latency(std::vector<int64_t> latencies_us);

}  // namespace ferry::ferryctl
