#include "broker/store/batch_store.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "broker/store/store_keys.h"
#include "broker/store/stored_record.h"
#include "common/batch/batch_header.h"
#include "common/storage/errc.h"
#include "common/storage/key_codec.h"

namespace ferry::broker::store {
namespace {

constexpr std::string_view kPendingCf = "pending";
constexpr std::string_view kRetainedCf = "retained";
constexpr std::string_view kIndexCf = "retained_by_time";
constexpr std::string_view kMetaCf = "meta";
constexpr std::string_view kReplaysCf = "replays";
constexpr std::string_view kMetaExpiredThrough = "expired_through";  // be64 ms

std::string describe_open_failure(const std::string& path, std::error_code ec,
                                  const std::string& reason) {
  std::string hint;
  if (ec == storage::Errc::kBusy) {
    hint = "another process (probably another ferry-broker) holds the lock on this directory: "
           "stop it, or give this broker its own data directory";
  } else if (ec == storage::Errc::kCorruption) {
    hint = "the database is corrupt: restore the directory from a backup, or move it aside to "
           "start empty (its batches are then lost to this broker; agents resend whatever was "
           "never DELIVERED)";
  } else if (ec == storage::Errc::kInvalidArgument || ec == storage::Errc::kNotSupported) {
    hint = "the database was written by an incompatible version or with incompatible options: "
           "run the version that wrote it, or move the directory aside";
  } else if (ec == storage::Errc::kNoSpace) {
    hint = "the disk is full: free space, then start the broker again";
  } else {
    hint = "check that the directory is writable by this user and that the disk is healthy";
  }
  return fmt::format("cannot open the broker store at {}: {} ({}). Hint: {}. Nothing was deleted.",
                     path, reason, ec.message(), hint);
}

// The payload size recorded in a pending value's header, without copying the payload.
Result<batch::BatchHeader> pending_header(std::string_view value) {
  if (value.empty() || static_cast<uint8_t>(value[0]) != kRecordVersion) {
    return storage::Errc::kCorruption;
  }
  value.remove_prefix(1);
  auto header = batch::decode_header(value);
  if (!header) return storage::Errc::kCorruption;
  return header;
}

std::string be64(uint64_t v) {
  std::string s;
  storage::put_be64(s, v);
  return s;
}

}  // namespace

Result<std::unique_ptr<BatchStore>> BatchStore::open(const BatchStoreOptions& options,
                                                     std::string& why) {
  storage::RocksOptions rocks;
  rocks.path = options.path;
  rocks.column_families = {std::string(kPendingCf), std::string(kRetainedCf),
                           std::string(kIndexCf), std::string(kMetaCf),
                           std::string(kReplaysCf)};
  rocks.write_buffer_bytes = options.write_buffer_bytes;
  rocks.block_cache_bytes = options.block_cache_bytes;
  rocks.dir_mode = options.dir_mode;
  std::string reason;
  auto db = storage::RocksStore::open(rocks, reason);
  if (!db) {
    why = describe_open_failure(options.path, db.error(), reason);
    return db.error();
  }
  std::unique_ptr<BatchStore> store(new BatchStore(options, std::move(db).value()));

  int meta = store->meta_cf_;
  auto format = store->db_->get(meta, kMetaFormat);
  if (!format) {
    why = describe_open_failure(options.path, format.error(), "reading the format marker failed");
    return format.error();
  }
  if (!format.value()) {
    auto batch = store->db_->new_batch();
    batch.put(meta, kMetaFormat, kMetaFormatVersion);
    if (auto w = store->db_->write(batch, true); !w) {
      why = describe_open_failure(options.path, w.error(), "writing the format marker failed");
      return w.error();
    }
  } else if (*format.value() != kMetaFormatVersion) {
    why = fmt::format(
        "cannot open the broker store at {}: it holds format \"{}\", this broker reads \"{}\". "
        "Hint: run the broker version that wrote it, or move the directory aside. Nothing was "
        "deleted.",
        options.path, *format.value(), kMetaFormatVersion);
    return storage::Errc::kNotSupported;
  }
  auto expired = store->db_->get(meta, kMetaExpiredThrough);
  if (!expired) {
    why = describe_open_failure(options.path, expired.error(), "reading the expiry mark failed");
    return expired.error();
  }
  if (expired.value() && expired.value()->size() == 8) {
    store->expired_through_ms_ = static_cast<TimeMs>(storage::get_be64(*expired.value()));
  }
  bool has_categories = false;
  if (auto loaded = store->counters_.load(*store->db_, has_categories); !loaded) {
    why = describe_open_failure(options.path, loaded.error(), "the counters in \"meta\" are unreadable");
    return loaded.error();
  }
  if (!has_categories) {
    if (auto rebuilt = store->rebuild_category_counters(); !rebuilt) {
      why = describe_open_failure(options.path, rebuilt.error(), "counting pending batches per category failed");
      return rebuilt.error();
    }
  }
  return store;
}

Result<void> BatchStore::rebuild_category_counters() {
  // Once, for a store written before the per-category counters: one pass over pending.
  std::map<std::string, CategoryCount, std::less<>> counts;
  BOOST_OUTCOME_TRYV(db_->scan_range(pending_cf_, "", kKeysEnd, [&](std::string_view, std::string_view v) {
    auto header = pending_header(v);
    if (!header) return true;  // left for the forwarder to report
    auto& c = counts[header.value().category];
    c.batches += 1;
    c.bytes += header.value().payload_size;
    c.events += header.value().event_count;
    return true;
  }));
  auto batch = db_->new_batch();
  counters_.stage_categories(counts, batch);
  BOOST_OUTCOME_TRYV(db_->write(batch, true));
  if (!counts.empty()) spdlog::info("broker store {}: counted pending batches of {} categories", options_.path, counts.size());
  counters_.set_categories(std::move(counts));
  return success();
}

BatchStore::BatchStore(const BatchStoreOptions& options, std::unique_ptr<storage::RocksStore> db)
    : options_(options),
      db_(std::move(db)),
      pending_cf_(db_->cf(kPendingCf)),
      retained_cf_(db_->cf(kRetainedCf)),
      index_cf_(db_->cf(kIndexCf)),
      meta_cf_(db_->cf(kMetaCf)),
      replays_cf_(db_->cf(kReplaysCf)),
      counters_(meta_cf_),
      budget_(options.disk_budget_bytes, [db = db_.get()] { return db->disk_bytes(); }) {
  budget_.set_reserve(options.min_free_bytes, [path = options.path] {
    struct statvfs fs {};
    if (::statvfs(path.c_str(), &fs) != 0) return UINT64_MAX;  // unknown: do not block on it
    return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  });
}

BatchStore::~BatchStore() = default;

Result<void> BatchStore::write_synced(storage::RocksStore::Batch& batch) {
  if (writes_blocked_.load(std::memory_order_relaxed)) return storage::Errc::kNoSpace;
  auto r = db_->write(batch, true);
  budget_.on_write(r ? std::error_code() : r.error());
  if (!r && r.error() == storage::Errc::kNoSpace && !writes_blocked_.exchange(true)) {
    spdlog::error("disk full under {}: ingest paused, no writes until space is back (stored batches are "
                  "safe; agents keep theirs)", options_.path);
  }
  // Sample disk usage a few times a second at most: it is a directory listing.
  auto now = std::chrono::steady_clock::now();
  if (now - last_usage_refresh_ >= std::chrono::milliseconds(250)) {
    last_usage_refresh_ = now;
    budget_.refresh();
  }
  return r;
}

Result<void> BatchStore::try_resume() {
  std::lock_guard lock(write_mu_);
  if (!writes_blocked_.load(std::memory_order_relaxed)) return success();
  BOOST_OUTCOME_TRYV(db_->resume());
  auto probe = db_->new_batch();
  probe.put(meta_cf_, "space_probe", "");
  auto r = db_->write(probe, true);
  budget_.on_write(r ? std::error_code() : r.error());
  if (!r) return r.error();
  writes_blocked_.store(false, std::memory_order_relaxed);
  budget_.refresh();
  spdlog::info("disk space is back under {}: writes and ingest resume", options_.path);
  return success();
}

Result<BatchState> BatchStore::state(std::string_view host, std::string_view category, uint64_t incarnation,
                                     uint64_t seq) const {
  std::string key = storage::stream_seq_key(host, category, incarnation, seq);
  BOOST_OUTCOME_TRY(pending, db_->get(pending_cf_, key));
  if (pending) return BatchState::kPending;
  BOOST_OUTCOME_TRY(retained, db_->get(retained_cf_, key));
  if (retained) return BatchState::kRetained;
  return BatchState::kUnknown;
}

std::vector<Result<SubmitOutcome>> BatchStore::store_group(
    std::span<const wire::BatchFrame* const> frames, GroupWrite* info) {
  std::vector<Result<SubmitOutcome>> out(frames.size(), Result<SubmitOutcome>(SubmitOutcome::kStored));
  // writer[i] is the index of the frame whose write decides frame i's outcome (itself
  // for a frame that needs writing, an earlier one for a repeat within the group).
  std::vector<size_t> writer(frames.size(), SIZE_MAX);
  std::unordered_map<std::string, size_t> first_writer;
  std::lock_guard lock(write_mu_);
  auto batch = db_->new_batch();
  StoreCounters::Delta delta;
  for (size_t i = 0; i < frames.size(); ++i) {
    const wire::BatchFrame& f = *frames[i];
    if (batch::validate_header(f.header) || f.payload.size() != f.header.payload_size) {
      out[i] = std::error_code(storage::Errc::kInvalidArgument);
      continue;
    }
    std::string key = storage::stream_seq_key(f.header.host, f.header.category, f.header.incarnation, f.header.seq);
    if (auto it = first_writer.find(key); it != first_writer.end()) {
      writer[i] = it->second;
      continue;
    }
    auto pending = db_->get(pending_cf_, key);
    if (!pending) {
      out[i] = pending.error();
      continue;
    }
    if (pending.value()) continue;  // already durable: STORED again, no second copy
    auto retained = db_->get(retained_cf_, key);
    if (!retained) {
      out[i] = retained.error();
      continue;
    }
    if (retained.value()) {
      out[i] = SubmitOutcome::kDelivered;
      continue;
    }
    batch.put(pending_cf_, key, encode_pending(f));
    delta.add_pending(f.header.host, f.header.category, 1, static_cast<int64_t>(f.payload.size()),
                      f.header.event_count);
    writer[i] = i;
    first_writer.emplace(std::move(key), i);
  }
  if (batch.count() == 0) return out;

  counters_.stage(delta, batch);
  auto written = write_synced(batch);
  if (written) counters_.apply(delta);
  if (info != nullptr) {
    info->synced = true;
    info->written = written ? first_writer.size() : 0;
  }
  for (size_t i = 0; i < frames.size(); ++i) {
    if (writer[i] == SIZE_MAX) continue;
    if (written) {
      out[i] = SubmitOutcome::kStored;
    } else {
      out[i] = written.error();
    }
  }
  return out;
}

Result<SubmitOutcome> BatchStore::store(const wire::BatchFrame& frame) {
  const wire::BatchFrame* one[] = {&frame};
  return std::move(store_group(one).front());
}

Result<void> BatchStore::move_chunk(std::vector<std::pair<std::string, std::string>>& moves,
                                    TimeMs now_ms, std::vector<BatchId>& moved) {
  auto batch = db_->new_batch();
  StoreCounters::Delta delta;
  std::vector<BatchId> ids;
  for (const auto& [key, value] : moves) {
    auto header = pending_header(value);
    auto retained = retained_from_pending(value, now_ms);
    auto id = batch_id_from_key(key);
    if (!header || !retained || !id) {
      // Left where it is for the operator to inspect; forwarding logs it too.
      spdlog::error("broker store {}: unreadable pending record, not moved to retention",
                    options_.path);
      continue;
    }
    uint64_t bytes = header.value().payload_size;
    batch.put(retained_cf_, key, retained.value());
    batch.put(index_cf_, retention_index_key(now_ms, key), be64(bytes));
    batch.del(pending_cf_, key);
    delta.add_pending(id->host, id->category, -1, -static_cast<int64_t>(bytes),
                      -static_cast<int64_t>(header.value().event_count));
    delta.retained_batches += 1;
    delta.retained_bytes += static_cast<int64_t>(bytes);
    ids.push_back(std::move(*id));
  }
  moves.clear();
  if (ids.empty()) return success();
  counters_.stage(delta, batch);
  BOOST_OUTCOME_TRYV(write_synced(batch));
  counters_.apply(delta);
  for (auto& id : ids) moved.push_back(std::move(id));
  return success();
}

Result<std::vector<BatchId>> BatchStore::mark_committed(const std::vector<wire::AckRange>& ranges,
                                                        TimeMs now_ms) {
  std::lock_guard lock(write_mu_);
  std::vector<BatchId> moved;
  std::set<std::string, std::less<>> seen;  // ranges may overlap
  std::vector<std::pair<std::string, std::string>> moves;
  uint64_t move_bytes = 0;
  Result<void> failed = success();
  for (const auto& r : ranges) {
    if (!batch::valid_name(r.host) || !batch::valid_name(r.category) || r.first_seq == 0 ||
        r.first_seq > r.last_seq) {
      continue;
    }
    std::string begin = storage::stream_seq_key(r.host, r.category, r.incarnation, r.first_seq);
    std::string end = key_after(storage::stream_seq_key(r.host, r.category, r.incarnation, r.last_seq));
    auto scanned = db_->scan_range(pending_cf_, begin, end, [&](std::string_view k, std::string_view v) {
      if (!seen.emplace(k).second) return true;
      moves.emplace_back(std::string(k), std::string(v));
      move_bytes += v.size();
      if (move_bytes >= options_.max_move_bytes) {
        move_bytes = 0;
        failed = move_chunk(moves, now_ms, moved);
        if (!failed) return false;
      }
      return true;
    });
    if (!failed) return failed.error();
    if (!scanned) return scanned.error();
  }
  BOOST_OUTCOME_TRYV(move_chunk(moves, now_ms, moved));
  return moved;
}

Result<Page<PendingBatch>> BatchStore::scan_pending(std::string_view cursor,
                                                    const ScanLimits& limits) const {
  Page<PendingBatch> page;
  page.cursor = std::string(cursor);
  uint64_t bytes = 0;
  size_t scanned = 0;
  bool stopped = false;
  std::string begin = cursor.empty() ? std::string() : key_after(cursor);
  BOOST_OUTCOME_TRYV(db_->scan_range(pending_cf_, begin, kKeysEnd, [&](std::string_view k, std::string_view v) {
    if (!page.batches.empty() && (page.batches.size() >= limits.max_batches ||
                                  bytes >= limits.max_bytes || scanned >= limits.max_scanned)) {
      stopped = true;
      return false;
    }
    ++scanned;
    page.cursor = std::string(k);
    auto frame = decode_pending(v);
    if (!frame) {
      spdlog::error("broker store {}: unreadable pending record skipped by the scan", options_.path);
      return true;
    }
    bytes += frame.value().payload.size();
    page.batches.push_back({std::string(k), std::move(frame).value()});
    return true;
  }));
  page.end = !stopped;
  return page;
}

Result<Page<RetainedBatch>> BatchStore::scan_retained(const ReplayQuery& query,
                                                      std::string_view cursor,
                                                      const ScanLimits& limits) const {
  std::string prefix;
  if (!query.host.empty()) {
    if (query.category.empty()) {
      storage::put_name(prefix, query.host);
    } else {
      storage::put_name(prefix, query.host);  // every incarnation of the stream
      storage::put_name(prefix, query.category);
    }
  }
  std::string begin = prefix;
  if (!cursor.empty()) begin = std::max(begin, key_after(cursor));
  std::string end = prefix.empty() ? std::string(kKeysEnd) : prefix_end(prefix);

  Page<RetainedBatch> page;
  page.cursor = std::string(cursor);
  uint64_t bytes = 0;
  size_t scanned = 0;
  bool stopped = false;
  BOOST_OUTCOME_TRYV(db_->scan_range(retained_cf_, begin, end, [&](std::string_view k, std::string_view v) {
    if (page.batches.size() >= limits.max_batches || bytes >= limits.max_bytes ||
        scanned >= limits.max_scanned) {
      stopped = true;
      return false;
    }
    ++scanned;
    page.cursor = std::string(k);
    if (!query.category.empty() && query.host.empty()) {
      auto id = batch_id_from_key(k);
      if (!id || id->category != query.category) return true;
    }
    auto record = decode_retained(v);
    if (!record) {
      spdlog::error("broker store {}: unreadable retained record skipped by the scan", options_.path);
      return true;
    }
    const auto& h = record.value().frame.header;
    if (h.max_time_ms < query.from_ms || h.min_time_ms >= query.to_ms) return true;
    bytes += record.value().frame.payload.size();
    page.batches.push_back(
        {std::string(k), record.value().committed_at_ms, std::move(record.value().frame)});
    return true;
  }));
  page.end = !stopped;
  return page;
}

Result<size_t> BatchStore::expire_retained(TimeMs now_ms, size_t max_batches) {
  std::lock_guard lock(write_mu_);
  TimeMs cutoff = now_ms - options_.retention_ms;
  if (max_batches == 0) return size_t{0};
  // Bytes beyond the cap go too, oldest first, whatever their age.
  const uint64_t retained_bytes = counters_.totals().retained_bytes;
  uint64_t over = options_.retention_bytes > 0 && retained_bytes > options_.retention_bytes
                      ? retained_bytes - options_.retention_bytes
                      : 0;
  if (cutoff < 0 && over == 0) return size_t{0};
  auto batch = db_->new_batch();
  StoreCounters::Delta delta;
  size_t expired = 0;
  TimeMs newest = 0;
  BOOST_OUTCOME_TRYV(db_->scan_range(index_cf_, "", kKeysEnd, [&](std::string_view k, std::string_view v) {
    if (k.size() < 8) return true;
    const auto committed = static_cast<TimeMs>(storage::get_be64(k.substr(0, 8)));
    if (committed > cutoff && over == 0) return false;
    const uint64_t bytes = storage::get_be64(v);
    over = over > bytes ? over - bytes : 0;
    batch.del(index_cf_, k);
    if (k.size() > 8) batch.del(retained_cf_, k.substr(8));
    delta.retained_batches -= 1;
    delta.retained_bytes -= static_cast<int64_t>(bytes);
    newest = std::max(newest, committed);
    return ++expired < max_batches;
  }));
  if (expired == 0) return size_t{0};
  const TimeMs through = std::max(newest, expired_through_ms_.load(std::memory_order_relaxed));
  batch.put(meta_cf_, kMetaExpiredThrough, be64(static_cast<uint64_t>(through)));
  counters_.stage(delta, batch);
  BOOST_OUTCOME_TRYV(write_synced(batch));
  counters_.apply(delta);
  expired_through_ms_.store(through, std::memory_order_relaxed);
  return expired;
}

Result<TimeMs> BatchStore::oldest_retained_ms() const {
  TimeMs oldest = 0;
  BOOST_OUTCOME_TRYV(db_->scan_range(index_cf_, "", kKeysEnd, [&](std::string_view k, std::string_view) {
    if (k.size() >= 8) oldest = static_cast<TimeMs>(storage::get_be64(k.substr(0, 8)));
    return false;
  }));
  return oldest;
}

Result<void> BatchStore::put_replay_job(uint64_t replay_id, std::string_view state) {
  std::lock_guard lock(write_mu_);
  auto batch = db_->new_batch();
  batch.put(replays_cf_, be64(replay_id), state);
  return write_synced(batch);
}

Result<std::optional<std::string>> BatchStore::get_replay_job(uint64_t replay_id) const {
  return db_->get(replays_cf_, be64(replay_id));
}

}  // namespace ferry::broker::store
