// The latency run of `ferryctl bench pipeline` (pipeline_bench.h): timed lines at a
// steady rate into the agents' files while a watcher notes when each becomes visible.

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "tools/ferryctl/delivery_count.h"
#include "tools/ferryctl/pipeline_bench.h"

namespace ferry::ferryctl {

PipelineRun run_latency_bench(const PipelineBenchOptions& o) {
  namespace fs = std::filesystem;
  using Clock = std::chrono::steady_clock;
  PipelineRun run;
  run.mode = "latency";
  run.hosts = o.hosts;
  run.roll_age = o.roll_age;
  run.rate = o.rate;
  const std::string dir = o.dir + "/latency";
  fs::remove_all(dir);
  try {
    BenchCluster cluster({.dir = dir,
                          .bin_dir = o.bin_dir,
                          .roll_age = o.roll_age,
                          .hosts = o.hosts,
                          .sealed = o.sealed,
                          .subscribe = o.subscribers > 0});
    CommitWatcher watcher(cluster.output_root());
    run.subscribers.count = o.subscribers;
    std::optional<SubscriberGroup> live;  // told how many lines to expect once written
    if (o.subscribers > 0)
      live.emplace(o.subscribers, cluster.kafka_endpoint(), BenchCluster::kCategory, "live", 0);
    cluster.start_clock();
    const auto start = Clock::now();
    RateWriter writer(cluster.agent_files(), o.rate, o.seconds);
    // Meanwhile: a daemon that dies ends the run early.
    while (writer.elapsed_seconds() == 0 && !cluster.any_exited()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    writer.join();
    run.lines = writer.written();
    run.written_rate = static_cast<double>(run.lines) / std::max(writer.elapsed_seconds(), 1e-9);
    if (!writer.error().empty()) run.error = writer.error();
    const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
    if (run.error.empty()) run.error = cluster.wait_delivered(run.lines, deadline);
    // The agents count a batch delivered once it is committed; the watcher sees the
    // part at its next poll.
    while (run.error.empty() && watcher.lines_seen() < run.lines && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (live) {
      live->expect(run.lines);
      if (run.error.empty()) run.error = live->wait_all_read(deadline);
    }
    cluster.read_costs(run.agents, run.broker, run.consumer);
    watcher.stop();
    if (live) {
      live->stop();
      live->count_lost_and_duplicated(written_line_hashes(cluster.agent_files()), run.subscribers);
      run.subscribers.latency = summarize_latency(live->latencies_us());
    }
    cluster.stop();
    if (!watcher.error().empty() && run.error.empty()) run.error = watcher.error();
    run.latency = summarize_latency(watcher.latencies_us());
    run.parts = watcher.parts_seen();
    for (const auto& f : cluster.agent_files()) run.bytes += fs::exists(f) ? fs::file_size(f) : 0;
    count_lost_and_duplicated(cluster, run);
  } catch (const std::exception& e) {
    run.error = e.what();
  }
  if (!o.keep && run.error.empty()) fs::remove_all(dir);
  return run;
}

}  // namespace ferry::ferryctl
