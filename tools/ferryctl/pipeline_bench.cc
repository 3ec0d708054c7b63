#include "tools/ferryctl/pipeline_bench.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>

#include "tools/ferryctl/bench_corpus.h"
#include "tools/ferryctl/delivery_count.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Writes the corpus as `n` files of contiguous whole lines, about equal in size.
std::vector<std::string> split_corpus(const std::string& corpus, int n, const std::string& dir) {
  std::ifstream in(corpus, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  text.resize(text.rfind('\n') + 1);  // an unterminated last line is never sent
  std::vector<std::string> files;
  size_t begin = 0;
  for (int i = 1; i <= n; ++i) {
    size_t end = text.size() * static_cast<size_t>(i) / static_cast<size_t>(n);
    if (i < n && end > begin) end = text.find('\n', end - 1) + 1;
    end = std::max(end, begin);
    files.push_back(dir + "/staged-" + std::to_string(i) + ".log");
    std::ofstream(files.back(), std::ios::binary)
        .write(text.data() + begin, static_cast<std::streamsize>(end - begin));
    begin = end;
  }
  return files;
}

// After a throughput run whose live subscribers read every line: K fresh subscribers
// read the whole log from offset 0 at once; then every subscriber's lines are checked.
void read_from_retention(const PipelineBenchOptions& o, const BenchCluster& cluster,
                         SubscriberGroup& live, PipelineRun& run) {
  const auto start = Clock::now();
  SubscriberGroup fresh(o.subscribers, cluster.kafka_endpoint(), BenchCluster::kCategory,
                        "retention", run.lines);
  run.error = fresh.wait_all_read(start + std::chrono::seconds(o.timeout_s));
  if (run.error.empty()) {
    run.subscribers.retention_read_seconds =
        std::chrono::duration<double>(fresh.last_done_at() - start).count();
  }
  fresh.stop();
  live.stop();
  const auto written = written_line_hashes(cluster.agent_files());
  live.count_lost_and_duplicated(written, run.subscribers);
  fresh.count_lost_and_duplicated(written, run.subscribers);
}

PipelineRun run_once(const PipelineBenchOptions& o, const std::string& corpus, uint64_t lines,
                     const std::string& dir) {
  PipelineRun run;
  run.hosts = o.hosts;
  run.roll_age = o.roll_age;
  run.lines = lines;
  run.bytes = fs::file_size(corpus);
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Staged beside the cluster first (outside the agents' globs): the copy is not timed,
  // and each agent's whole slice appears at once with the rename.
  const auto staged = split_corpus(corpus, o.hosts, dir);
  BenchCluster cluster({.dir = dir,
                        .bin_dir = o.bin_dir,
                        .roll_age = o.roll_age,
                        .hosts = o.hosts,
                        .sealed = o.sealed,
                        .subscribe = o.subscribers > 0});
  run.subscribers.count = o.subscribers;
  std::optional<SubscriberGroup> live;
  if (o.subscribers > 0)
    live.emplace(o.subscribers, cluster.kafka_endpoint(), BenchCluster::kCategory, "live", lines);
  cluster.start_clock();
  const auto start = Clock::now();
  for (size_t i = 0; i < staged.size(); ++i) fs::rename(staged[i], cluster.agent_files()[i]);
  run.error = cluster.wait_delivered(lines, start + std::chrono::seconds(o.timeout_s), [&] {
    if (run.sent_seconds == 0 && cluster.sent() >= static_cast<double>(lines)) {
      run.sent_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
  });
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (live && run.error.empty()) {
    run.error = live->wait_all_read(start + std::chrono::seconds(o.timeout_s));
    if (run.error.empty())
      run.subscribers.seconds = std::chrono::duration<double>(live->last_done_at() - start).count();
  }
  cluster.read_costs(run.agents, run.broker, run.consumer);
  if (live && run.error.empty()) read_from_retention(o, cluster, *live, run);
  if (live) live->stop();  // before the cluster: a client whose server is gone retries
  cluster.stop();
  count_lost_and_duplicated(cluster, run);
  if (!o.keep && run.error.empty()) fs::remove_all(dir);
  return run;
}

}  // namespace

double PipelineRun::agents_cpu() const {
  double sum = 0;
  for (const auto& a : agents) sum += a.cpu_seconds;
  return sum;
}

double PipelineRun::agent_cpu_median() const {
  std::vector<double> v;
  for (const auto& a : agents) v.push_back(a.cpu_seconds);
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

uint64_t PipelineRun::agent_rss_max_kib() const {
  uint64_t m = 0;
  for (const auto& a : agents) m = std::max(m, a.peak_rss_kib);
  return m;
}

void count_lost_and_duplicated(const BenchCluster& cluster, PipelineRun& run) {
  if (run.error.empty()) {
    auto counted = count_delivery(cluster.agent_files(), cluster.output_root());
    if (!counted) {
      run.error = "reading the output: " + counted.error().message();
    } else {
      run.lost = counted.value().lost;
      run.duplicated = counted.value().duplicated;
    }
  }
}

std::vector<PipelineRun> run_pipeline_bench(
    const PipelineBenchOptions& o,
    const std::function<void(int rep, const PipelineRun& run)>& report) {
  fs::create_directories(o.dir);
  const std::string corpus = o.input.empty() ? make_corpus(o.dir, o.lines) : o.input;
  uint64_t lines = 0;
  {
    std::ifstream in(corpus, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + corpus);
    lines = std::count(std::istreambuf_iterator<char>(in), {}, '\n');
  }
  if (lines == 0) throw std::runtime_error(corpus + " holds no complete line");
  std::vector<PipelineRun> runs;
  for (int rep = 1; rep <= o.reps; ++rep) {
    try {
      runs.push_back(run_once(o, corpus, lines, o.dir + "/run-" + std::to_string(rep)));
    } catch (const std::exception& e) {
      runs.push_back(PipelineRun{.hosts = o.hosts,
                                 .roll_age = o.roll_age,
                                 .lines = lines,
                                 .error = e.what(),
                                 .subscribers = {.count = o.subscribers}});
    }
    report(rep, runs.back());
  }
  return runs;
}

}  // namespace ferry::ferryctl
