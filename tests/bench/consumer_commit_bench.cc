// Consumer commit throughput: batches added to the BucketStore over a POSIX directory on
// the real disk and committed with the full protocol (temp file, fsync, manifest record,
// rename, commit record), fed by 1 or 4 "brokers" (interleaved streams), next to the
// disk's synced sequential-write ceiling measured in the same run.
//
// Run: build/bin/consumer_commit_bench --benchmark_repetitions=3
//        --benchmark_report_aggregates_only=true   (FERRY_BENCH_DIR picks the disk)

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include <benchmark/benchmark.h>

#include "common/base/crc32c.h"
#include "common/batch/payload.h"
#include "common/storage/rocks_store.h"
#include "consumer/store/bucket_store.h"
#include "consumer/store/posix_sink.h"

namespace {

using namespace ferry;
namespace fs = std::filesystem;

std::string bench_dir() {
  const char* env = std::getenv("FERRY_BENCH_DIR");
  std::string dir =
      std::string(env ? env : "/var/tmp") + "/ferry-cbench-" + std::to_string(::getpid());
  fs::create_directories(dir);
  return dir;
}

constexpr size_t kPayload = 64 * 1024;

void BM_CeilingSequentialWrite(benchmark::State& state) {
  std::string dir = bench_dir();
  int fd = ::open((dir + "/seq.dat").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string block(1 << 20, 'y');
  int64_t n = 0;
  for (auto _ : state) {
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()))
      state.SkipWithError("write");
    if (++n % 8 == 0) ::fdatasync(fd);
    if (n % 1024 == 0) ::ftruncate(fd, 0), ::lseek(fd, 0, SEEK_SET);
  }
  ::close(fd);
  fs::remove_all(dir);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * block.size());
}
BENCHMARK(BM_CeilingSequentialWrite)->UseRealTime()->MinTime(2.0);

// One iteration: 256 batches from `brokers` interleaved streams, then commit_all().
// The store is single-threaded by design (one worker owns it), as in the consumer.
void BM_ConsumerCommit(benchmark::State& state) {
  const int brokers = static_cast<int>(state.range(0));
  std::string dir = bench_dir();
  std::string why;
  auto db = storage::RocksStore::open(
      {.path = dir + "/db", .column_families = consumer::store::BucketStore::column_families()},
      why);
  if (!db) {
    state.SkipWithError(why.c_str());
    return;
  }
  fs::create_directories(dir + "/out");
  consumer::store::PosixSink sink(dir + "/out");
  consumer::store::StoreOptions options;
  options.roll_bytes = 64u << 20;
  auto store = consumer::store::BucketStore::open(*db.value(), sink, SystemClock::instance(),
                                                  options, nullptr);
  if (!store) {
    state.SkipWithError(store.error().message().c_str());
    return;
  }
  // A valid zstd frame as payload: the store appends it as is.
  std::mt19937_64 rng(3);
  std::string raw(kPayload * 4, '\0');
  for (auto& c : raw) c = static_cast<char>('a' + rng() % 26);
  compress::ZstdCompressor zstd(1);
  batch::BuiltBatch built;
  built.raw = raw;
  built.event_count = 1000;
  built.min_time_ms = built.max_time_ms = 1'700'000'000'000;
  wire::BatchFrame proto;
  proto.header.category = "song_completion";
  proto.payload = batch::encode_payload(built, batch::Codec::kZstd, zstd, proto.header).value();
  uint64_t seq = 0, batches = 0, bytes = 0;
  for (auto _ : state) {
    for (int i = 0; i < 256; ++i) {
      wire::BatchFrame b = proto;
      b.header.host = "broker" + std::to_string(i % brokers) + "-host";
      b.header.seq = seq / brokers + 1;
      ++seq;
      if (!store.value()->add(b)) state.SkipWithError("add failed");
      bytes += b.payload.size();
    }
    auto committed = store.value()->commit_all();
    if (!committed) state.SkipWithError("commit failed");
    batches += 256;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(batches));
  store.value().reset();
  db.value().reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_ConsumerCommit)
    ->Arg(1)
    ->Arg(4)
    ->UseRealTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
