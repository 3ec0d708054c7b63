#pragma once
// A RocksDB file system that can cut the power. It remembers, for every file written
// through it, how many bytes were durable (covered by a Sync or Fsync); cut_power() makes
// every later write and sync fail, as if the machine had stopped, and lose_unsynced_data()
// then truncates each file to its durable length, which is what a power cut does to data
// still in the page cache. After restore_power() the database is opened again and must
// hold everything it acknowledged as durable.
//
// Simpler than a real disk: a file created, renamed or deleted survives the cut as its
// directory entry stands (directories are not modelled), and a cut drops whole unsynced
// tails, never a torn sector in the middle.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

namespace ferry::testing {

class PowerLossFs : public rocksdb::FileSystemWrapper {
 public:
  PowerLossFs();

  const char* Name() const override { return "PowerLossFs"; }
  // An Env over this file system, for rocksdb::Options::env.
  rocksdb::Env* env() { return env_.get(); }

  void cut_power() { powered_ = false; }
  void restore_power() { powered_ = true; }
  bool powered() const { return powered_; }
  // Truncates every file written since the last lose_unsynced_data() to its synced length;
  // returns the bytes dropped.
  uint64_t lose_unsynced_data();

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* file,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* file,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& name, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

  // For the files' wrappers.
  struct Sizes {
    uint64_t written = 0;
    uint64_t synced = 0;
  };
  void on_append(const std::string& name, uint64_t bytes);
  void on_sync(const std::string& name);

 private:
  rocksdb::IOStatus wrap(const std::string& name, uint64_t existing, rocksdb::IOStatus status,
                         std::unique_ptr<rocksdb::FSWritableFile>* file);

  std::unique_ptr<rocksdb::Env> env_;
  std::atomic<bool> powered_{true};
  std::mutex mu_;
  std::map<std::string, Sizes> files_;
};

}  // namespace ferry::testing
