#pragma once
// Exactly-once checks for MiniCluster tests: a Writer appends numbered lines
// ("id=<host>:<n>") to each agent's file from a thread; tally() counts each number in
// the committed output, so a test can assert nothing was lost or duplicated.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "tests/support/mini_cluster.h"

namespace ferry::testing {

// Appends "id=<host>:<n>" lines to each agent's file at a steady rate, from a thread.
class Writer {
 public:
  Writer(MiniCluster& cluster, int agents, int per_agent, int lines_per_ms_tick)
      : cluster_(cluster), agents_(agents), per_agent_(per_agent), per_tick_(lines_per_ms_tick) {}
  ~Writer() { join(); }

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  bool done() const { return done_; }
  // Hook for rotation tests: called under the writer's control between ticks.
  std::function<void(int tick)> between_ticks;
  // The file agent `a` writes to at `tick` (default: its tailed file); must match its glob.
  std::function<std::string(int a, int tick)> file_for;

 private:
  void run();

  MiniCluster& cluster_;
  int agents_, per_agent_, per_tick_;
  std::thread thread_;
  std::atomic<bool> done_{false};
};

struct Tally {
  size_t delivered = 0, lost = 0, duplicated = 0, unexpected = 0;
};

Tally tally(const MiniCluster& cluster, int agents, int per_agent);

// Waits until every line is delivered (or the deadline), then reports.
Tally wait_for_delivery(const MiniCluster& cluster, int agents, int per_agent,
                        std::chrono::seconds limit);

void expect_exactly_once(const Tally& t, size_t expected);
// Writes `per_agent` lines on each of `agents` hosts (Writer, `lines_per_ms_tick`), waits
// until they are delivered (within `limit`) and expects each exactly once.
void write_and_deliver(MiniCluster& cluster, int agents, int per_agent, int lines_per_ms_tick,
                       std::chrono::seconds limit);

// Batches broker `broker` (1-based) stored and the consumer has not committed yet, from
// its /api/summary; nullopt while it does not answer.
std::optional<uint64_t> broker_pending_batches(const MiniCluster& cluster, int broker);

}  // namespace ferry::testing
