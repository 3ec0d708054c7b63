#pragma once
// `ferryctl bench pipeline`: the whole path, measured the way ../shared/peers measures
// rsyslog and syslog-ng, so the figures sit beside theirs. Per repetition a fresh
// cluster (bench_cluster.h: N agents -> one broker -> one consumer over mTLS on
// loopback, every fsync on), then one of:
// - throughput: the whole input, split into N contiguous slices, is put where the
//   agents tail it at once, and the clock runs until the agents count every event
//   DELIVERED (committed by the consumer);
// - latency: a writer appends timed lines at a steady rate for a while and a watcher
//   notes when each first shows in the committed output (latency_probe.h).
// CPU is each process's utime+stime over that interval, peak RSS its VmHWM just before
// it stops. Then every delivered line is compared with what was written: lost and
// duplicated must be 0 for the figure to count.
// With `subscribers` K > 0 the consumer also serves its live log over the Kafka protocol
// and K librdkafka subscribers inside ferryctl read the category from offset 0, started
// before the input (subscriber_group.h). A throughput run also waits for every
// subscriber to read every line, then times K fresh subscribers reading the whole log
// from retention; a latency run notes write -> received. Each subscriber must read each
// line exactly once. The daemons' CPU runs until the live subscribers are done.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/ferryctl/bench_cluster.h"
#include "tools/ferryctl/latency_probe.h"
#include "tools/ferryctl/subscriber_group.h"

namespace ferry::ferryctl {

struct PipelineBenchOptions {
  std::string dir;    // work directory (corpus and one cluster per repetition)
  std::string input;  // replay this file; default: a generated corpus of `lines`
  uint64_t lines = 1'000'000;
  int reps = 3;
  int hosts = 1;        // agents, each its own host identity and file
  int timeout_s = 300;  // per repetition (a latency run: after its writing ends)
  // The consumer acks a batch COMMITTED when its part file is committed, at the latest
  // this long after the file's first batch; the last batch of a run waits for it.
  std::string roll_age = "1s";
  std::string bin_dir;  // ferry-* binaries; default: next to ferryctl
  bool keep = false;    // keep each repetition's cluster directory
  bool sealed = false;  // agents seal payloads, the consumer opens them
  // Latency runs: lines/s written (all agents together) and for how long.
  double rate = 0;
  double seconds = 30;
  int subscribers = 0;  // live Kafka subscribers; 0: the consumer serves none
};

struct PipelineRun {
  std::string mode = "throughput";  // or "latency"
  int hosts = 1;
  std::string roll_age;
  uint64_t lines = 0, bytes = 0;
  double seconds = 0;       // until every event is DELIVERED (committed by the consumer)
  double sent_seconds = 0;  // until the agents had read and sent every event (polled, 50 ms)
  std::vector<DaemonCost> agents;
  DaemonCost broker, consumer;
  uint64_t lost = 0, duplicated = 0;
  // Latency runs: the rate asked for, the rate written, and write -> commit visible.
  double rate = 0, written_rate = 0;
  LatencySummary latency;
  uint64_t parts = 0;  // part files committed (the price of a short roll_age)
  std::string error;   // non-empty: the run failed (timeout, a process died, ...)
  SubscriberFigures subscribers;

  double agents_cpu() const;        // summed over the agents
  double agent_cpu_median() const;  // of one agent
  uint64_t agent_rss_max_kib() const;
};

// Runs every throughput repetition; calls `report` after each one.
std::vector<PipelineRun> run_pipeline_bench(
    const PipelineBenchOptions& options,
    const std::function<void(int rep, const PipelineRun& run)>& report);

// One latency run at options.rate for options.seconds.
PipelineRun run_latency_bench(const PipelineBenchOptions& options);

// Fills run.lost and run.duplicated from the stopped cluster's files and output, unless
// the run already failed; a failure to read them becomes run.error.
void count_lost_and_duplicated(const BenchCluster& cluster, PipelineRun& run);

}  // namespace ferry::ferryctl
