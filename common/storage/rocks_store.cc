#include "common/storage/rocks_store.h"

#include "common/storage/file_modes.h"

#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

namespace ferry::storage {
namespace {

class StorageCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry.storage"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kOk:
        return "ok";
      case Errc::kIo:
        return "I/O error";
      case Errc::kCorruption:
        return "corruption";
      case Errc::kNoSpace:
        return "no space left on device";
      case Errc::kInvalidArgument:
        return "invalid argument";
      case Errc::kBusy:
        return "database locked by another process";
      case Errc::kNotSupported:
        return "not supported";
    }
    return "storage error " + std::to_string(code);
  }
};

}  // namespace

std::error_code status_error(const rocksdb::Status& s) {
  if (s.IsNoSpace() || s.subcode() == rocksdb::Status::kNoSpace) return Errc::kNoSpace;
  if (s.IsCorruption()) return Errc::kCorruption;
  if (s.IsInvalidArgument()) return Errc::kInvalidArgument;
  if (s.IsNotSupported()) return Errc::kNotSupported;
  if (s.IsBusy() || s.IsTimedOut()) return Errc::kBusy;
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) return Errc::kBusy;
  return Errc::kIo;
}

const std::error_category& storage_category() {
  static const StorageCategory category;
  return category;
}

RocksStore::Batch::Batch() : batch_(std::make_unique<rocksdb::WriteBatch>()) {}
RocksStore::Batch::~Batch() = default;
RocksStore::Batch::Batch(Batch&&) noexcept = default;
RocksStore::Batch& RocksStore::Batch::operator=(Batch&&) noexcept = default;

void RocksStore::Batch::del_range(int cf, std::string_view begin, std::string_view end) {
  batch_
      ->DeleteRange(store_->handles_[cf], rocksdb::Slice(begin.data(), begin.size()),
                    rocksdb::Slice(end.data(), end.size()))
      .PermitUncheckedError();
}

void RocksStore::Batch::put(int cf, std::string_view key, std::string_view value) {
  batch_
      ->Put(store_->handles_[cf], rocksdb::Slice(key.data(), key.size()),
            rocksdb::Slice(value.data(), value.size()))
      .PermitUncheckedError();
}

void RocksStore::Batch::del(int cf, std::string_view key) {
  batch_->Delete(store_->handles_[cf], rocksdb::Slice(key.data(), key.size()))
      .PermitUncheckedError();
}

size_t RocksStore::Batch::count() const { return batch_->Count(); }

Result<std::unique_ptr<RocksStore>> RocksStore::open(const RocksOptions& options,
                                                     std::string& why) {
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = options.create_if_missing;
  db_options.write_buffer_size = options.write_buffer_bytes;
  db_options.max_background_jobs = 2;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.keep_log_file_num = 4;
  db_options.max_total_wal_size = 256u << 20;
  if (!options.compress_tables) db_options.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // RocksDB makes its files 0644 under the usual umask; a 0750 directory keeps other
  // users out of them (file_modes.h). A failure here shows in DB::Open below.
  if (options.create_if_missing) (void)create_dirs(options.path, options.dir_mode);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           rocksdb::ColumnFamilyOptions(db_options));
  for (const auto& name : options.column_families) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(db_options));
  }
  auto store = std::unique_ptr<RocksStore>(new RocksStore);
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &store->handles_, &db);
  if (!s.ok()) {
    why = s.ToString();
    return status_error(s);
  }
  store->db_.reset(db);
  store->names_.push_back(rocksdb::kDefaultColumnFamilyName);
  for (const auto& name : options.column_families) store->names_.push_back(name);
  store->path_ = options.path;
  return store;
}

RocksStore::~RocksStore() {
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
}

int RocksStore::cf(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Result<void> RocksStore::write(Batch& batch, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  rocksdb::Status s = db_->Write(wo, batch.batch_.get());
  if (!s.ok()) {
    spdlog::error("rocksdb write failed in {}: {}", path_, s.ToString());
    return status_error(s);
  }
  return success();
}

Result<std::optional<std::string>> RocksStore::get(int cf, std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[cf],
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return status_error(s);
  return std::optional<std::string>(std::move(value));
}

Result<void> RocksStore::scan(
    int cf, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[cf]));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (!k.starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
    rocksdb::Slice v = it->value();
    if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
  }
  if (!it->status().ok()) return status_error(it->status());
  return success();
}

Result<void> RocksStore::scan_range(
    int cf, std::string_view begin, std::string_view end,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper(end.data(), end.size());
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[cf]));
  for (it->Seek(rocksdb::Slice(begin.data(), begin.size())); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
  }
  if (!it->status().ok()) return status_error(it->status());
  return success();
}

uint64_t RocksStore::disk_bytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

Result<void> RocksStore::flush_wal(bool sync) {
  rocksdb::Status s = db_->FlushWAL(sync);
  if (!s.ok()) return status_error(s);
  return success();
}

Result<void> RocksStore::resume() {
  rocksdb::Status s = db_->Resume();
  if (!s.ok()) return status_error(s);
  return success();
}

RocksStore::Batch RocksStore::new_batch() {
  Batch b;
  b.store_ = this;
  return b;
}

}  // namespace ferry::storage
