#pragma once
// `ferryctl bench pipeline`: the whole path, measured the way ../shared/peers measures
// rsyslog and syslog-ng, so the figures sit beside theirs. Per repetition: a fresh
// one-host cluster (agent -> broker -> consumer over mTLS on loopback, every fsync on),
// then the whole input file is put where the agent tails it, and the clock runs until
// the agent counts every event DELIVERED (committed by the consumer). CPU is each
// process's utime+stime over that interval. Then every delivered line is compared with
// the input: lost and duplicated must be 0 for the figure to count.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ferry::ferryctl {

struct PipelineBenchOptions {
  std::string dir;          // work directory (corpus and one cluster per repetition)
  std::string input;         // replay this file; default: a generated corpus of `lines`
  uint64_t lines = 1'000'000;
  int reps = 3;
  int timeout_s = 300;      // per repetition
  // The consumer acks a batch COMMITTED when its part file is committed, at the latest
  // this long after the file's first batch; the last batch of a run waits for it.
  std::string roll_age = "1s";
  std::string bin_dir;      // ferry-* binaries; default: next to ferryctl
  bool keep = false;        // keep each repetition's cluster directory
  bool sealed = false;      // agents seal payloads, the consumer opens them
};

struct PipelineRun {
  uint64_t lines = 0, bytes = 0;
  double seconds = 0;       // until every event is DELIVERED (committed by the consumer)
  double sent_seconds = 0;  // until the agent had read and sent every event (polled, 50 ms)
  double cpu_agent = 0, cpu_broker = 0, cpu_consumer = 0;  // CPU seconds
  uint64_t lost = 0, duplicated = 0;
  std::string error;  // non-empty: the run failed (timeout, a process died, ...)
};

// Runs every repetition; calls `report` after each one.
std::vector<PipelineRun> run_pipeline_bench(const PipelineBenchOptions& options,
                                            const std::function<void(int rep, const PipelineRun& run)>& report);

}  // namespace ferry::ferryctl
