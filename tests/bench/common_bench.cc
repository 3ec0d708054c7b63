// Frame encode/decode, CRC32C (hardware and portable) and zstd batch compression on
// syslog-style lines. Run: build/bin/common_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "common/base/crc32c.h"
#include "common/batch/batch_builder.h"
#include "common/batch/batch_check.h"
#include "common/batch/payload.h"
#include "common/compress/zstd_codec.h"
#include "common/wire/frame_decoder.h"
#include "common/wire/messages.h"

namespace {

using namespace ferry;

// ~200-byte RFC 3164 lines with varied fields, like a service's event log.
std::string syslog_corpus(size_t bytes) {
  std::mt19937 engine(42);
  auto rng = [&engine] { return static_cast<unsigned>(engine()); };  // what the %u fields print
  static const char* kEvents[] = {"song_completion", "playback_start", "search", "ad_impression"};
  static const char* kClients[] = {"ios", "android", "web", "desktop"};
  std::string out;
  int sec = 0;
  while (out.size() < bytes) {
    char line[512];
    int n = std::snprintf(
        line, sizeof line,
        "<134>Nov 23 06:%02d:%02d web-%03u app[%u]: event=%s user=%08x track=spotify:track:%016llx "
        "client=%s ms_played=%u country=%c%c session=%016llx\n",
        (sec / 60) % 60, sec % 60, rng() % 512, 1000 + rng() % 30000, kEvents[rng() % 4], rng(),
        static_cast<unsigned long long>(rng()) << 20 | rng(), kClients[rng() % 4], rng() % 400000,
        'A' + rng() % 26, 'A' + rng() % 26, static_cast<unsigned long long>(rng()) << 32 | rng());
    out.append(line, n);
    if (rng() % 8 == 0) ++sec;
  }
  return out;
}

const std::string& corpus() {
  static const std::string c = syslog_corpus(1 << 20);
  return c;
}

void BM_Crc32cHardware(benchmark::State& state) {
  std::string data = corpus().substr(0, state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(crc32c::extend_hardware(0, data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * data.size());
}
BENCHMARK(BM_Crc32cHardware)->Arg(4096)->Arg(1 << 20);

void BM_Crc32cPortable(benchmark::State& state) {
  std::string data = corpus().substr(0, state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(crc32c::extend_portable(0, data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * data.size());
}
BENCHMARK(BM_Crc32cPortable)->Arg(4096)->Arg(1 << 20);

wire::BatchFrame sample_batch(size_t payload_bytes) {
  wire::BatchFrame b;
  b.header.host = "web-001.dc1";
  b.header.category = "song_completion";
  b.header.seq = 1;
  b.header.event_count = 1000;
  b.header.raw_size = static_cast<uint32_t>(payload_bytes * 6);
  b.payload = corpus().substr(0, payload_bytes);
  b.header.payload_size = static_cast<uint32_t>(payload_bytes);
  b.header.payload_crc = crc32c::value(b.payload);
  return b;
}

void BM_FrameEncodeBatch(benchmark::State& state) {
  auto b = sample_batch(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(wire::encode(b));
  state.SetBytesProcessed(state.iterations() * b.payload.size());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameEncodeBatch)->Arg(200)->Arg(170 << 10);

void BM_FrameDecodeBatch(benchmark::State& state) {
  std::string frame = wire::encode(sample_batch(state.range(0)));
  for (auto _ : state) {
    wire::FrameDecoder d;
    d.feed(frame);
    auto f = d.next();
    auto b = wire::decode_batch(f.value()->body);
    benchmark::DoNotOptimize(b);
  }
  state.SetBytesProcessed(state.iterations() * frame.size());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameDecodeBatch)->Arg(200)->Arg(170 << 10);

void BM_FrameDecodeAcks(benchmark::State& state) {
  // Small frames: decoder overhead per frame dominates.
  std::string stream;
  for (int i = 0; i < 1000; ++i) {
    stream +=
        wire::encode(wire::FrameType::kStored, wire::Ack{{{"web-001", "song_completion", 1, 1}}});
  }
  for (auto _ : state) {
    wire::FrameDecoder d;
    d.feed(stream);
    while (true) {
      auto f = d.next();
      if (!f.value()) break;
      benchmark::DoNotOptimize(wire::decode_ack(f.value()->body));
    }
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_FrameDecodeAcks);

// Compress a batch of syslog lines with reused contexts (the agent's hot path).
void BM_ZstdCompressBatch(benchmark::State& state) {
  int level = static_cast<int>(state.range(0));
  size_t batch = static_cast<size_t>(state.range(1));
  compress::ZstdCompressor c(level);
  std::string in = corpus().substr(0, batch), out;
  for (auto _ : state) benchmark::DoNotOptimize(c.compress(in, out));
  state.SetBytesProcessed(state.iterations() * in.size());
  state.counters["ratio"] = static_cast<double>(in.size()) / out.size();
}
BENCHMARK(BM_ZstdCompressBatch)
    ->Args({1, 64 << 10})
    ->Args({3, 64 << 10})
    ->Args({1, 1 << 20})
    ->Args({3, 1 << 20});

void BM_ZstdDecompressBatch(benchmark::State& state) {
  compress::ZstdCompressor c(3);
  compress::ZstdDecompressor d;
  std::string in = corpus().substr(0, state.range(0)), z, out;
  (void)c.compress(in, z);
  for (auto _ : state) benchmark::DoNotOptimize(d.decompress(z, in.size(), out));
  state.SetBytesProcessed(state.iterations() * in.size());
}
BENCHMARK(BM_ZstdDecompressBatch)->Arg(1 << 20);

// What a broker or the consumer spends checking one batch before storing it (header,
// time window, CRC, decompression to raw_size, line count): the price of "one bad batch
// is refused alone". Items are events, so items/s reads as lines checked per second.
void BM_BatchCheck(benchmark::State& state) {
  const size_t batch_bytes = static_cast<size_t>(state.range(0));
  std::string raw = corpus().substr(0, batch_bytes);
  raw.resize(raw.rfind('\n') + 1);
  batch::BatchBuilder builder(raw.size() + 1);
  const TimeMs now = SystemClock::instance().now_ms();
  size_t offset = 0;
  for (size_t start = 0; start < raw.size();) {
    size_t end = raw.find('\n', start) + 1;
    builder.add(std::string_view(raw).substr(start, end - start), now, offset);
    offset += end - start;
    start = end;
  }
  batch::BuiltBatch built = builder.take();
  compress::ZstdCompressor zstd(1);
  wire::BatchFrame frame;
  frame.header.host = "h1";
  frame.header.category = "events";
  frame.header.seq = 1;
  frame.payload = batch::encode_payload(built, batch::Codec::kZstd, zstd, frame.header).value();
  batch::BatchChecker checker;
  std::string why;
  for (auto _ : state) {
    if (checker.check(frame, now, why)) state.SkipWithError(why.c_str());
  }
  state.SetItemsProcessed(state.iterations() * built.event_count);
  state.SetBytesProcessed(state.iterations() * built.raw.size());
}
BENCHMARK(BM_BatchCheck)->Arg(64 << 10)->Arg(1 << 20);

}  // namespace

BENCHMARK_MAIN();
