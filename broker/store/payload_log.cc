#include "broker/store/payload_log.h"

#include <fmt/format.h>
#include <rocksdb/env.h>
#include <spdlog/spdlog.h>

#include "common/base/crc32c.h"
#include "common/storage/errc.h"
#include "common/storage/rocks_store.h"

namespace ferry::broker::store {
namespace {

constexpr std::string_view kSuffix = ".seg";
constexpr size_t kMaxOpenReaders = 32;

// "<16 hex digits>.seg" -> the segment id; 0 for any other name.
uint64_t segment_of(const std::string& name) {
  if (name.size() != 16 + kSuffix.size() || !name.ends_with(kSuffix)) return 0;
  uint64_t id = 0;
  for (size_t i = 0; i < 16; ++i) {
    const char c = name[i];
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return 0;
    id = id << 4 | static_cast<uint64_t>(digit);
  }
  return id;
}

// Makes the entries of directory `path` durable.
rocksdb::Status sync_directory(rocksdb::Env* env, const std::string& path) {
  std::unique_ptr<rocksdb::Directory> directory;
  rocksdb::Status s = env->NewDirectory(path, &directory);
  if (s.ok()) s = directory->Fsync();
  return s;
}

}  // namespace

PayloadLog::PayloadLog(rocksdb::Env* env, std::string dir, uint64_t segment_bytes)
    : env_(env), dir_(std::move(dir)), segment_bytes_(segment_bytes) {}

PayloadLog::~PayloadLog() {
  if (active_) active_->Close();
}

std::string PayloadLog::path_of(uint64_t segment) const {
  return fmt::format("{}/{:016x}{}", dir_, segment, kSuffix);
}

Result<std::unique_ptr<PayloadLog>> PayloadLog::open(rocksdb::Env* env, const std::string& dir,
                                                     uint64_t segment_bytes, std::string& why) {
  if (env == nullptr) env = rocksdb::Env::Default();
  std::unique_ptr<PayloadLog> log(new PayloadLog(env, dir, segment_bytes));
  auto fail = [&](const rocksdb::Status& s, std::string_view what) {
    why = fmt::format("{} {}: {}", what, dir, s.ToString());
    return storage::status_error(s);
  };
  if (auto s = env->CreateDirIfMissing(dir); !s.ok()) return fail(s, "cannot create");
  // The directory's own entry must be durable before anything in it is acked.
  const std::string parent = dir.substr(0, dir.find_last_of('/'));
  if (auto s = sync_directory(env, parent.empty() ? "/" : parent); !s.ok()) {
    return fail(s, "cannot sync the directory holding");
  }
  std::vector<std::string> names;
  if (auto s = env->GetChildren(dir, &names); !s.ok()) return fail(s, "cannot list");
  uint64_t total = 0;
  for (const auto& name : names) {
    const uint64_t id = segment_of(name);
    if (id == 0) continue;
    uint64_t size = 0;
    if (auto s = env->GetFileSize(log->path_of(id), &size); !s.ok()) return fail(s, "cannot stat");
    log->files_[id] = size;
    log->next_id_ = std::max(log->next_id_, id + 1);
    total += size;
  }
  log->disk_bytes_ = total;
  return log;
}

Result<void> PayloadLog::start_segment() {
  if (active_) {
    active_->Close();
    active_.reset();
  }
  const uint64_t id = next_id_++;
  rocksdb::EnvOptions options;
  if (auto s = env_->NewWritableFile(path_of(id), &active_, options); !s.ok()) {
    return storage::status_error(s);
  }
  {
    std::lock_guard lock(files_mu_);
    files_[id] = 0;
  }
  // The new name must be durable before any entry points into the file.
  if (auto s = sync_directory(env_, dir_); !s.ok()) {
    active_.reset();
    return storage::status_error(s);
  }
  active_id_ = id;
  active_size_ = 0;
  return success();
}

Result<std::vector<PayloadLocation>> PayloadLog::append(
    std::span<const std::string_view> payloads) {
  if (!active_ || active_size_ >= segment_bytes_) {
    BOOST_OUTCOME_TRYV(start_segment());
  }
  std::vector<PayloadLocation> at;
  at.reserve(payloads.size());
  const uint64_t before = active_size_;
  rocksdb::Status s;
  for (std::string_view p : payloads) {
    at.push_back({active_id_, active_size_});
    s = active_->Append(rocksdb::Slice(p.data(), p.size()));
    if (!s.ok()) break;
    active_size_ += p.size();
  }
  if (s.ok()) s = active_->Sync();
  {
    std::lock_guard lock(files_mu_);
    files_[active_id_] = active_size_;
  }
  disk_bytes_.fetch_add(active_size_ - before, std::memory_order_relaxed);
  if (!s.ok()) {
    // What reached the file is unreferenced garbage; never append behind it again.
    active_->Close();
    active_.reset();
    return storage::status_error(s);
  }
  return at;
}

std::shared_ptr<rocksdb::RandomAccessFile> PayloadLog::reader(uint64_t segment) const {
  std::lock_guard lock(files_mu_);
  if (auto it = readers_.find(segment); it != readers_.end()) return it->second;
  if (!files_.contains(segment)) return nullptr;
  std::unique_ptr<rocksdb::RandomAccessFile> file;
  if (!env_->NewRandomAccessFile(path_of(segment), &file, rocksdb::EnvOptions()).ok()) {
    return nullptr;
  }
  std::shared_ptr<rocksdb::RandomAccessFile> shared(std::move(file));
  // A bounded number of open segments: retention can keep thousands. The oldest go
  // first; a read in progress keeps its file open through its own reference.
  if (readers_.size() >= kMaxOpenReaders) readers_.erase(readers_.begin());
  readers_.emplace(segment, shared);
  return shared;
}

Result<std::string> PayloadLog::read(PayloadLocation at, uint32_t size, uint32_t crc) const {
  auto file = reader(at.segment);
  if (!file) return storage::Errc::kCorruption;  // the segment is gone or unreadable
  std::string out(size, '\0');
  rocksdb::Slice got;
  if (auto s = file->Read(at.offset, size, &got, out.data()); !s.ok()) {
    return storage::status_error(s);
  }
  if (got.size() != size) return storage::Errc::kCorruption;
  if (got.data() != out.data()) out.assign(got.data(), got.size());
  if (crc32c::value(out) != crc) return storage::Errc::kCorruption;
  return out;
}

void PayloadLog::unref(uint64_t segment) {
  auto it = refs_.find(segment);
  if (it == refs_.end()) return;
  if (--it->second == 0) refs_.erase(it);
}

void PayloadLog::collect() {
  std::vector<uint64_t> unused;
  {
    std::lock_guard lock(files_mu_);
    for (const auto& [id, size] : files_) {
      if ((active_ && id == active_id_) || refs_.contains(id)) continue;
      unused.push_back(id);
    }
  }
  for (uint64_t id : unused) {
    // A deletion a crash undoes is redone at the next open: nothing points there.
    if (auto s = env_->DeleteFile(path_of(id)); !s.ok() && !s.IsNotFound()) {
      spdlog::warn("cannot delete payload segment {}: {}", path_of(id), s.ToString());
      continue;
    }
    std::lock_guard lock(files_mu_);
    disk_bytes_.fetch_sub(files_[id], std::memory_order_relaxed);
    files_.erase(id);
    readers_.erase(id);
  }
}

size_t PayloadLog::segments() const {
  std::lock_guard lock(files_mu_);
  return files_.size();
}

}  // namespace ferry::broker::store
