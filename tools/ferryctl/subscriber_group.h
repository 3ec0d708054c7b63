#pragma once
// The K subscribers of `ferryctl bench pipeline --subscribers K` (kafka_subscriber.h),
// started together against one bench cluster's consumer, and what the run reports of
// them: when the slowest had read every line, whether each read each input line exactly
// once, and write -> receive latency for timed lines.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/ferryctl/kafka_subscriber.h"
#include "tools/ferryctl/latency_probe.h"

namespace ferry::ferryctl {

// What a run reports of its subscribers; count 0: the run had none.
struct SubscriberFigures {
  int count = 0;
  // Throughput runs: the input's start -> every subscriber read every line (the slowest),
  // and afterwards K fresh subscribers reading the whole log from offset 0 at once.
  double seconds = 0;
  double retention_read_seconds = 0;
  // Over every subscriber, live and from retention: input lines never read, and reads
  // beyond one per input line.
  uint64_t lost = 0, duplicated = 0;
  LatencySummary latency;  // latency runs: write -> received, every subscriber's lines
};

class SubscriberGroup {
 public:
  using Clock = std::chrono::steady_clock;

  // `expected`: lines each must read (0: not known yet, see expect()).
  SubscriberGroup(int count, const KafkaEndpoint& endpoint, const std::string& topic,
                  const std::string& name, uint64_t expected);

  void expect(uint64_t lines);
  // Waits until every subscriber has read the expected lines; an error text when the
  // deadline passes first.
  std::string wait_all_read(Clock::time_point deadline) const;
  // When the slowest subscriber had read them all (after wait_all_read succeeded).
  Clock::time_point last_done_at() const;
  void stop();

  // After stop(): adds each subscriber's lost and duplicated lines against the sorted
  // hashes of the input to `figures`.
  void count_lost_and_duplicated(const std::vector<uint64_t>& written_sorted,
                                 SubscriberFigures& figures) const;
  std::vector<int64_t> latencies_us() const;  // after stop(): all subscribers' together

 private:
  std::vector<std::unique_ptr<KafkaSubscriber>> subscribers_;
  uint64_t expected_ = 0;
};

}  // namespace ferry::ferryctl
