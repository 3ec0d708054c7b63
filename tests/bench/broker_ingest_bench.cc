// Durable broker ingest: batches submitted through the GroupCommitter into a BatchStore
// on the real disk, from 1, 4 and 16 "connections" (threads, each with a window of
// submissions in flight), next to this filesystem's own ceilings measured in the same
// run: fdatasync rate and synced sequential write throughput.
//
// Run: build/bin/broker_ingest_bench --benchmark_repetitions=3
//        --benchmark_report_aggregates_only=true   (FERRY_BENCH_DIR picks the disk)

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include <benchmark/benchmark.h>

#include "broker/store/batch_store.h"
#include "broker/store/group_committer.h"
#include "common/base/crc32c.h"

namespace {

using namespace ferry;
namespace fs = std::filesystem;

std::string bench_dir() {
  const char* env = std::getenv("FERRY_BENCH_DIR");
  std::string base = env ? env : "/var/tmp";
  std::string dir = base + "/ferry-bench-" + std::to_string(::getpid());
  fs::create_directories(dir);
  return dir;
}

constexpr size_t kPayload = 64 * 1024;  // a compressed batch of ~350 KB of syslog lines

wire::BatchFrame frame(const std::string& host, uint64_t seq, const std::string& payload) {
  wire::BatchFrame b;
  b.header.host = host;
  b.header.category = "song_completion";
  b.header.seq = seq;
  b.header.event_count = 1700;
  b.header.raw_size = static_cast<uint32_t>(payload.size() * 5);
  b.header.payload_size = static_cast<uint32_t>(payload.size());
  b.header.min_time_ms = b.header.max_time_ms = 1'700'000'000'000;
  b.header.payload_crc = crc32c::value(payload);
  b.payload = payload;
  return b;
}

// fdatasync after each 4 KiB write: the cost of one durable commit on this disk.
void BM_CeilingFsync(benchmark::State& state) {
  std::string path = bench_dir() + "/fsync.dat";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string block(4096, 'x');
  for (auto _ : state) {
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()))
      state.SkipWithError("write");
    ::fdatasync(fd);
  }
  ::close(fd);
  fs::remove_all(fs::path(path).parent_path());
  state.counters["fsyncs_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CeilingFsync)->UseRealTime()->MinTime(2.0);

// 1 MiB writes, fdatasync every 8 MiB: sequential durable throughput.
void BM_CeilingSequentialWrite(benchmark::State& state) {
  std::string path = bench_dir() + "/seq.dat";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string block(1 << 20, 'y');
  int64_t n = 0;
  for (auto _ : state) {
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()))
      state.SkipWithError("write");
    if (++n % 8 == 0) ::fdatasync(fd);
    if (n % 1024 == 0) ::ftruncate(fd, 0), ::lseek(fd, 0, SEEK_SET);  // stay under 1 GiB
  }
  ::fdatasync(fd);
  ::close(fd);
  fs::remove_all(fs::path(path).parent_path());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * block.size());
}
BENCHMARK(BM_CeilingSequentialWrite)->UseRealTime()->MinTime(2.0);

// Each iteration: `conns` threads each submit `per_conn` batches, keeping up to 32 in
// flight, and wait for every STORED.
void BM_BrokerDurableIngest(benchmark::State& state) {
  const int conns = static_cast<int>(state.range(0));
  const int per_conn = 512 / conns * 2;
  std::string dir = bench_dir();
  std::string why;
  auto store = broker::store::BatchStore::open({.path = dir + "/db"}, why);
  if (!store) {
    state.SkipWithError(why.c_str());
    return;
  }
  broker::store::GroupCommitter committer(*store.value());
  std::mt19937_64 rng(1);
  std::string payload(kPayload, '\0');
  for (auto& c : payload) c = static_cast<char>(rng() % 64 + 32);  // incompressible enough
  uint64_t next_seq = 1;
  uint64_t batches = 0;
  auto stats0 = committer.stats();
  for (auto _ : state) {
    std::vector<std::thread> threads;
    uint64_t base = next_seq;
    for (int c = 0; c < conns; ++c) {
      threads.emplace_back([&, c] {
        std::mutex mu;
        std::condition_variable cv;
        int inflight = 0, done = 0;
        for (int i = 0; i < per_conn; ++i) {
          {
            std::unique_lock lock(mu);
            cv.wait(lock, [&] { return inflight < 32; });
            ++inflight;
          }
          auto r = committer.submit(frame("host-" + std::to_string(c), base + i, payload),
                                    [&](Result<broker::store::SubmitOutcome>) {
                                      std::lock_guard lock(mu);
                                      --inflight;
                                      ++done;
                                      cv.notify_all();
                                    });
          if (!r) {
            std::lock_guard lock(mu);
            --inflight;
            ++done;
          }
        }
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return done == per_conn; });
      });
    }
    for (auto& t : threads) t.join();
    next_seq += per_conn;
    batches += static_cast<uint64_t>(per_conn) * conns;
  }
  auto stats = committer.stats();
  committer.stop();
  double syncs = static_cast<double>(stats.syncs - stats0.syncs);
  state.SetBytesProcessed(static_cast<int64_t>(batches * kPayload));
  state.SetItemsProcessed(static_cast<int64_t>(batches));
  state.counters["fsyncs_per_s"] = benchmark::Counter(syncs, benchmark::Counter::kIsRate);
  state.counters["batches_per_fsync"] = syncs > 0 ? static_cast<double>(batches) / syncs : 0;
  store.value().reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_BrokerDurableIngest)
    ->Arg(1)
    ->Arg(4)
    ->Arg(16)
    ->UseRealTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
