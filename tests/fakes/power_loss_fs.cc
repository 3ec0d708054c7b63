#include "tests/fakes/power_loss_fs.h"

#include <unistd.h>

namespace ferry::testing {
namespace {

rocksdb::IOStatus power_lost() { return rocksdb::IOStatus::IOError("power cut (PowerLossFs)"); }

// Counts what reaches the file and what a sync made durable; fails everything once the
// power is cut.
class TrackedFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(PowerLossFs& fs, std::string name, std::unique_ptr<rocksdb::FSWritableFile> file)
      : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), name_(std::move(name)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (!fs_.powered()) return power_lost();
    auto s = target()->Append(data, options, dbg);
    if (s.ok()) fs_.on_append(name_, data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo&,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("PowerLossFs: positioned appends are not modelled");
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                     const rocksdb::DataVerificationInfo&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("PowerLossFs: positioned appends are not modelled");
  }
  rocksdb::IOStatus Truncate(uint64_t, const rocksdb::IOOptions&,
                             rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("PowerLossFs: truncation is not modelled");
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (!fs_.powered()) return power_lost();
    return target()->Flush(options, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (!fs_.powered()) return power_lost();
    auto s = target()->Sync(options, dbg);
    if (s.ok()) fs_.on_sync(name_);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (!fs_.powered()) return power_lost();
    auto s = target()->Fsync(options, dbg);
    if (s.ok()) fs_.on_sync(name_);
    return s;
  }
  rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override {
    // Starts writeback without waiting for it: no durability promise, so nothing to do.
    return fs_.powered() ? rocksdb::IOStatus::OK() : power_lost();
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    auto s = target()->Close(options, dbg);  // the real file closes either way
    return fs_.powered() ? s : power_lost();
  }

 private:
  PowerLossFs& fs_;
  std::string name_;
};

}  // namespace

PowerLossFs::PowerLossFs()
    : FileSystemWrapper(rocksdb::FileSystem::Default()),
      // Not owning: the Env lives inside this file system.
      env_(rocksdb::NewCompositeEnv(
          std::shared_ptr<rocksdb::FileSystem>(std::shared_ptr<rocksdb::FileSystem>(), this))) {}

rocksdb::IOStatus PowerLossFs::wrap(const std::string& name, uint64_t existing,
                                    rocksdb::IOStatus status,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file) {
  if (!status.ok()) return status;
  {
    std::lock_guard lock(mu_);
    files_[name] = {existing, existing};  // what was there before is as durable as it was
  }
  *file = std::make_unique<TrackedFile>(*this, name, std::move(*file));
  return status;
}

rocksdb::IOStatus PowerLossFs::NewWritableFile(const std::string& name,
                                               const rocksdb::FileOptions& options,
                                               std::unique_ptr<rocksdb::FSWritableFile>* file,
                                               rocksdb::IODebugContext* dbg) {
  if (!powered_) return power_lost();
  return wrap(name, 0, target()->NewWritableFile(name, options, file, dbg), file);
}

rocksdb::IOStatus PowerLossFs::ReopenWritableFile(const std::string& name,
                                                  const rocksdb::FileOptions& options,
                                                  std::unique_ptr<rocksdb::FSWritableFile>* file,
                                                  rocksdb::IODebugContext* dbg) {
  if (!powered_) return power_lost();
  uint64_t existing = 0;
  (void)target()->GetFileSize(name, rocksdb::IOOptions(), &existing, dbg);
  return wrap(name, existing, target()->ReopenWritableFile(name, options, file, dbg), file);
}

rocksdb::IOStatus PowerLossFs::ReuseWritableFile(const std::string& name,
                                                 const std::string& old_name,
                                                 const rocksdb::FileOptions& options,
                                                 std::unique_ptr<rocksdb::FSWritableFile>* file,
                                                 rocksdb::IODebugContext* dbg) {
  if (!powered_) return power_lost();
  {
    std::lock_guard lock(mu_);
    files_.erase(old_name);
  }
  return wrap(name, 0, target()->ReuseWritableFile(name, old_name, options, file, dbg), file);
}

rocksdb::IOStatus PowerLossFs::RenameFile(const std::string& from, const std::string& to,
                                          const rocksdb::IOOptions& options,
                                          rocksdb::IODebugContext* dbg) {
  if (!powered_) return power_lost();
  auto s = target()->RenameFile(from, to, options, dbg);
  if (s.ok()) {
    std::lock_guard lock(mu_);
    auto it = files_.find(from);
    if (it != files_.end()) {
      files_[to] = it->second;
      files_.erase(it);
    } else {
      files_.erase(to);
    }
  }
  return s;
}

rocksdb::IOStatus PowerLossFs::DeleteFile(const std::string& name,
                                          const rocksdb::IOOptions& options,
                                          rocksdb::IODebugContext* dbg) {
  if (!powered_) return power_lost();
  auto s = target()->DeleteFile(name, options, dbg);
  if (s.ok()) {
    std::lock_guard lock(mu_);
    files_.erase(name);
  }
  return s;
}

void PowerLossFs::on_append(const std::string& name, uint64_t bytes) {
  std::lock_guard lock(mu_);
  files_[name].written += bytes;
}

void PowerLossFs::on_sync(const std::string& name) {
  std::lock_guard lock(mu_);
  auto& f = files_[name];
  f.synced = f.written;
}

uint64_t PowerLossFs::lose_unsynced_data() {
  std::lock_guard lock(mu_);
  uint64_t dropped = 0;
  for (auto& [name, sizes] : files_) {
    if (sizes.written > sizes.synced &&
        ::truncate(name.c_str(), static_cast<off_t>(sizes.synced)) == 0) {
      dropped += sizes.written - sizes.synced;
    }
  }
  files_.clear();
  return dropped;
}

}  // namespace ferry::testing
