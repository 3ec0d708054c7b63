#pragma once
// The payloads of stored batches, written once: appended to segment files under
// <store>/payloads (<16 hex digits>.seg), each at a (segment, offset) that the store's
// RocksDB entries point to. RocksDB then holds only headers and locations, so a payload
// is not written again to its WAL, its tables, or when COMMITTED moves the batch to
// retention.
//
// Durability: append() returns only after the segment is synced (and, for a new segment,
// its directory), and the store writes the entries that point there after that. So an
// entry never points to bytes a crash or power loss could take back; bytes appended but
// never pointed to are garbage, dropped with their segment.
//
// A segment is deleted when no entry points into it any more and it is not the one being
// appended to. Each open starts a new segment, never appending to one a crash may have
// left with a torn tail. Reads check the payload's CRC32C from the batch header.
//
// Threading: append, ref, unref and collect belong to the store's writer (under its
// write mutex); read and disk_bytes are safe from any thread.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace rocksdb {
class Env;
class RandomAccessFile;
class WritableFile;
}  // namespace rocksdb

namespace ferry::broker::store {

struct PayloadLocation {
  uint64_t segment = 0;
  uint64_t offset = 0;
};

class PayloadLog {
 public:
  // Lists the segments in `dir` (created if missing). `env` null = the real file system.
  static Result<std::unique_ptr<PayloadLog>> open(rocksdb::Env* env, const std::string& dir,
                                                  uint64_t segment_bytes, std::string& why);
  ~PayloadLog();
  PayloadLog(const PayloadLog&) = delete;
  PayloadLog& operator=(const PayloadLog&) = delete;

  // Appends each payload and syncs; one location each, in order. After a failure the
  // segment is left as it is (its unreferenced tail is garbage) and the next append
  // starts a new one.
  Result<std::vector<PayloadLocation>> append(std::span<const std::string_view> payloads);

  // The `size` bytes at `at`, checked against `crc` (CRC32C). kCorruption if short or
  // not matching.
  Result<std::string> read(PayloadLocation at, uint32_t size, uint32_t crc) const;

  // References from the store's entries: a segment goes once it has none.
  void ref(uint64_t segment) { ++refs_[segment]; }
  void unref(uint64_t segment);
  // Deletes every segment with no references except the one being appended to. Call only
  // after the write that dropped the references is synced.
  void collect();

  uint64_t disk_bytes() const { return disk_bytes_.load(std::memory_order_relaxed); }
  size_t segments() const;

 private:
  PayloadLog(rocksdb::Env* env, std::string dir, uint64_t segment_bytes);
  std::string path_of(uint64_t segment) const;
  Result<void> start_segment();
  std::shared_ptr<rocksdb::RandomAccessFile> reader(uint64_t segment) const;

  rocksdb::Env* env_;
  const std::string dir_;
  const uint64_t segment_bytes_;

  // Writer side (the store's write mutex).
  std::unique_ptr<rocksdb::WritableFile> active_;
  uint64_t active_id_ = 0;  // 0: none open
  uint64_t active_size_ = 0;
  uint64_t next_id_ = 1;
  std::map<uint64_t, uint64_t> refs_;  // segment -> entries pointing into it

  mutable std::mutex files_mu_;         // guards files_ and readers_
  std::map<uint64_t, uint64_t> files_;  // segments on disk -> their bytes
  mutable std::map<uint64_t, std::shared_ptr<rocksdb::RandomAccessFile>> readers_;
  std::atomic<uint64_t> disk_bytes_{0};
};

}  // namespace ferry::broker::store
