// Retention: committed batches kept for replay, scanned by time range and expired by age
// and by the byte cap; and the persisted state of the replay jobs that read them.
#include "broker/store/batch_store.h"

#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>

#include "broker/store/store_keys.h"
#include "broker/store/stored_record.h"
#include "common/storage/key_codec.h"

namespace ferry::broker::store {

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
  BOOST_OUTCOME_TRYV(
      db_->scan_range(retained_cf_, begin, end, [&](std::string_view k, std::string_view v) {
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
          spdlog::error("broker store {}: unreadable retained record {} skipped by the scan",
                        options_.path, describe_key(k));
          return true;
        }
        const auto& h = record.value().header;
        if (h.max_time_ms < query.from_ms || h.min_time_ms >= query.to_ms) return true;
        const TimeMs committed_at = record.value().committed_at_ms;
        auto frame = load(std::move(record).value());
        if (!frame) {
          // Expired since this scan's view was taken: its segment may be gone. Not an error.
          if (auto still = db_->get(retained_cf_, k); still && !still.value()) return true;
          spdlog::error(
              "broker store {}: the payload of retained batch {} is unreadable ({}), "
              "skipped by the scan",
              options_.path, describe_key(k), frame.error().message());
          return true;
        }
        bytes += frame.value().payload.size();
        page.batches.push_back({std::string(k), committed_at, std::move(frame).value()});
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
  std::vector<uint64_t> segments;  // of the payloads expired
  BOOST_OUTCOME_TRYV(
      db_->scan_range(index_cf_, "", kKeysEnd, [&](std::string_view k, std::string_view v) {
        if (k.size() < 8) return true;
        const auto committed = static_cast<TimeMs>(storage::get_be64(k.substr(0, 8)));
        if (committed > cutoff && over == 0) return false;
        const uint64_t bytes = storage::get_be64(v);
        over = over > bytes ? over - bytes : 0;
        batch.del(index_cf_, k);
        if (k.size() > 8) batch.del(retained_cf_, k.substr(8));
        if (v.size() == 16) segments.push_back(storage::get_be64(v.substr(8)));
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
  for (uint64_t segment : segments) payloads_->unref(segment);
  payloads_->collect();  // after the synced write: nothing points there any more
  return expired;
}

Result<TimeMs> BatchStore::oldest_retained_ms() const {
  TimeMs oldest = 0;
  BOOST_OUTCOME_TRYV(
      db_->scan_range(index_cf_, "", kKeysEnd, [&](std::string_view k, std::string_view) {
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
