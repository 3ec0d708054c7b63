#pragma once
// A RocksDB database with named column families, behind Results. Writes go through
// WriteBatch so several keys change atomically; `sync` means the WAL is fsynced before
// write() returns (what "durable" means everywhere in Ferry).
//
// Thread-safe as RocksDB is: concurrent reads and writes are fine. open() never
// deletes or repairs anything: a database that cannot be opened is reported with
// RocksDB's reason, and the operator decides.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/storage/errc.h"
#include "common/storage/file_modes.h"

namespace rocksdb {
class DB;
class Env;
class Status;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace ferry::storage {

// A RocksDB status as one of Errc (IOStatus too: it is a Status).
std::error_code status_error(const rocksdb::Status& s);

struct RocksOptions {
  std::string path;
  std::vector<std::string> column_families;  // besides "default"
  uint64_t write_buffer_bytes = 32u << 20;
  uint64_t block_cache_bytes = 32u << 20;
  bool create_if_missing = true;
  // Off for values that are compressed already (the live log's zstd record batches):
  // compressing SST blocks again costs CPU and saves nothing.
  bool compress_tables = true;
  mode_t dir_mode = FileModes{}.dir;  // of the directories it creates (path and parents)
  rocksdb::Env* env = nullptr;        // null: the real file system (tests pass a PowerLossFs)
};

class RocksStore {
 public:
  class Batch {
   public:
    Batch();
    ~Batch();
    Batch(Batch&&) noexcept;
    Batch& operator=(Batch&&) noexcept;
    void put(int cf, std::string_view key, std::string_view value);
    void del(int cf, std::string_view key);
    // Deletes every key in [begin, end).
    void del_range(int cf, std::string_view begin, std::string_view end);
    size_t count() const;
    rocksdb::WriteBatch& raw() { return *batch_; }

   private:
    friend class RocksStore;
    std::unique_ptr<rocksdb::WriteBatch> batch_;
    RocksStore* store_ = nullptr;
  };

  // Opens (creating if allowed) the database. On failure `why` gets RocksDB's message.
  static Result<std::unique_ptr<RocksStore>> open(const RocksOptions& options, std::string& why);
  ~RocksStore();

  // Column family index by name ("default" is 0, then options.column_families in order).
  int cf(std::string_view name) const;

  // A write batch bound to this store.
  Batch new_batch();

  Result<void> write(Batch& batch, bool sync);
  Result<std::optional<std::string>> get(int cf, std::string_view key) const;

  // Calls fn(key, value) for keys starting with prefix, in order, until fn returns false.
  Result<void> scan(int cf, std::string_view prefix,
                    const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Same, for keys in [begin, end).
  Result<void> scan_range(int cf, std::string_view begin, std::string_view end,
                          const std::function<bool(std::string_view, std::string_view)>& fn) const;

  // Total bytes on disk (SST + WAL), for disk budgets and dashboards.
  uint64_t disk_bytes() const;
  Result<void> flush_wal(bool sync);
  // Clears a background error (e.g. after ENOSPC, once space is back); DB::Resume.
  Result<void> resume();

 private:
  RocksStore() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<std::string> names_;
  std::string path_;
};

}  // namespace ferry::storage
