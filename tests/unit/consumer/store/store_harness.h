#pragma once
// Shared by the consumer store tests: batches with known lines, a store over a real
// temp dir (RocksDB + PosixSink) that can be closed and reopened, and an output reader.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/batch/batch_builder.h"
#include "common/batch/payload.h"
#include "common/compress/zstd_codec.h"
#include "common/storage/rocks_store.h"
#include "consumer/store/bucket_store.h"
#include "consumer/store/hour_tracker.h"
#include "consumer/store/posix_sink.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace ferry::consumer::store::test {

// 2023-11-14T22:00:00Z
constexpr TimeMs kHour0 = 1'699'999'200'000;

using ferry::testing::FakeClock;

inline std::string line_of(const std::string& host, const std::string& category, uint64_t seq,
                           int i, uint64_t replay_id = 0) {
  return host + " " + category + " seq=" + std::to_string(seq) + " r=" + std::to_string(replay_id) +
         " event=" + std::to_string(i) + "\n";
}

// A batch of `events` lines at time t (all in t's hour).
inline wire::BatchFrame make_batch(const std::string& host, const std::string& category,
                                   uint64_t seq, TimeMs t, int events = 3, uint64_t replay_id = 0,
                                   batch::Codec codec = batch::Codec::kZstd) {
  batch::BatchBuilder b(1 << 20);
  uint64_t off = 0;
  for (int i = 0; i < events; ++i) {
    std::string l = line_of(host, category, seq, i, replay_id);
    b.add(l, t, off);
    off += l.size();
  }
  compress::ZstdCompressor z;
  wire::BatchFrame f;
  f.header.host = host;
  f.header.category = category;
  f.header.seq = seq;
  f.header.replay_id = replay_id;
  auto payload = batch::encode_payload(b.take(), codec, z, f.header);
  EXPECT_TRUE(payload);
  f.payload = payload.value();
  return f;
}

inline std::vector<std::string> lines_of(const wire::BatchFrame& f) {
  std::vector<std::string> out;
  for (int i = 0; i < static_cast<int>(f.header.event_count); ++i) {
    out.push_back(line_of(f.header.host, f.header.category, f.header.seq, i, f.header.replay_id));
  }
  return out;
}

class Harness {
 public:
  explicit Harness(std::string dir = "") : owned_(dir.empty() ? new testing::TempDir : nullptr) {
    dir_ = dir.empty() ? owned_->path().string() : dir;
    options.consumer_id = "c1";
    options.roll_age_ms = 60'000;
    tracker_options.lookback_ms = 6 * kMsPerHour;
    tracker_options.silent_timeout_ms = 30 * 60'000;
  }

  // Opens RocksDB, tracker and store (running recovery).
  void open(bool with_tracker = true) {
    sink = std::make_unique<PosixSink>(root());
    std::filesystem::create_directories(root());
    std::string why;
    auto d = storage::RocksStore::open(
        {.path = dir_ + "/db", .column_families = BucketStore::column_families()}, why);
    ASSERT_TRUE(d) << why;
    db = std::move(d).value();
    if (with_tracker) {
      auto t = HourTracker::open(*db, *sink, clock, tracker_options);
      ASSERT_TRUE(t) << t.error().message();
      tracker = std::move(t).value();
    }
    auto s = BucketStore::open(*db, *sink, clock, options, tracker.get());
    ASSERT_TRUE(s) << s.error().message();
    store = std::move(s).value();
  }
  void close() {
    store.reset();
    tracker.reset();
    db.reset();
  }
  void reopen(bool with_tracker = true) {
    close();
    open(with_tracker);
  }

  std::string root() const { return shared_root.empty() ? dir_ + "/out" : shared_root; }
  const std::string& dir() const { return dir_; }

  FakeClock clock{kHour0};
  std::string shared_root;  // another harness's root(): consumers sharing one output
  StoreOptions options;
  HourTrackerOptions tracker_options;
  std::unique_ptr<PosixSink> sink;
  std::unique_ptr<storage::RocksStore> db;
  std::unique_ptr<HourTracker> tracker;
  std::unique_ptr<BucketStore> store;

 private:
  std::unique_ptr<testing::TempDir> owned_;
  std::string dir_;
};

// Every file under root (relative path -> content), dot files included.
inline std::map<std::string, std::string> all_files(const std::string& root) {
  std::map<std::string, std::string> out;
  if (!std::filesystem::exists(root)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) {
      out[std::filesystem::relative(e.path(), root).string()] =
          testing::read_file(e.path().string());
    }
  }
  return out;
}

// Lines of every committed part file (zst decompressed as a whole), with counts.
inline std::map<std::string, int> output_lines(const std::string& root) {
  std::map<std::string, int> counts;
  compress::ZstdDecompressor z;
  for (const auto& [path, content] : all_files(root)) {
    std::string name = std::filesystem::path(path).filename().string();
    if (name.rfind("part-", 0) != 0) continue;
    std::string text = content;
    if (name.size() > 4 && name.substr(name.size() - 4) == ".zst") {
      auto r = z.decompress(content, 64 << 20, text);
      EXPECT_TRUE(r) << path;
    }
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      counts[text.substr(pos, nl - pos + 1)]++;
      pos = nl + 1;
    }
  }
  return counts;
}

}  // namespace ferry::consumer::store::test
