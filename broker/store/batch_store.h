#pragma once
// The broker's durable batch store (DESIGN §5), on one RocksDB:
//
//   "pending"          batch key -> header + payload location: stored, not yet COMMITTED
//                      downstream
//   "retained"         batch key -> commit time + header + payload location: delivered,
//                      kept for replay until the retention TTL passes
//   "retained_by_time" be64(commit time) + batch key -> bytes + segment: the expiry index
//
// Payloads are written once, to the PayloadLog's segments (<path>/payloads); the entries
// above point there, so COMMITTED moves a small entry, not the payload.
//   "meta"             format version and the counters (see StoreCounters)
//   "replays"          be64(replay id) -> a replay job's state (broker/replay_job.h)
//
// Batch key = storage::stream_seq_key(host, category, incarnation, seq), so a stream's batches sort
// by seq and a resend finds its earlier copy. A batch is in at most one of pending and
// retained; moving it is one atomic write.
//
// Threading: all mutating calls (store_group, mark_committed, expire_retained) are
// serialized by an internal mutex and block on a synced RocksDB write; call them from a
// blocking-work thread, not an Asio I/O thread. Reads, scans and counters may run on
// any thread concurrently. In the broker, store_group is called only by GroupCommitter.
//
// Durability: every mutating call returns only after its WAL write is fsynced, and a
// payload's segment is synced before the entry pointing to it is written. A batch for
// which store_group reported kStored survives SIGKILL and power loss.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/store/batch_id.h"
#include "broker/store/disk_budget.h"
#include "broker/store/payload_log.h"
#include "broker/store/store_counters.h"
#include "common/base/clock.h"
#include "common/base/result.h"
#include "common/storage/rocks_store.h"
#include "common/wire/messages.h"

namespace ferry::broker::store {

struct BatchStoreOptions {
  std::string path;
  TimeMs retention_ms = 24 * kMsPerHour;
  uint64_t retention_bytes = 0;         // 0 = no cap; else the oldest go first beyond it
  uint64_t disk_budget_bytes = 0;       // 0 = no budget (ENOSPC still stops ingest)
  uint64_t min_free_bytes = 0;          // ingest stops while the filesystem has less free
  uint64_t max_move_bytes = 64u << 20;  // mark_committed: bytes per synced write
  uint64_t write_buffer_bytes = 32u << 20;
  uint64_t block_cache_bytes = 32u << 20;
  uint64_t segment_bytes = 64u << 20;          // a payload segment is closed once this large
  mode_t dir_mode = storage::FileModes{}.dir;  // of `path` and the parents it creates
  rocksdb::Env* env = nullptr;                 // null: the real file system (tests: PowerLossFs)
};

struct StoredRecord;  // stored_record.h

enum class BatchState : uint8_t { kUnknown = 0, kPending = 1, kRetained = 2 };

// How a submitted batch ended up. kStored: durable now or already pending (ack STORED).
// kDelivered: already committed downstream (answer DELIVERED at once).
enum class SubmitOutcome : uint8_t { kStored = 1, kDelivered = 2 };

// Bounds on one page of a scan: at most max_batches batches and about max_bytes of
// payload (at least one batch is returned if any is left), and at most max_scanned
// entries examined, so a selective replay query does bounded work per call.
struct ScanLimits {
  size_t max_batches = 256;
  uint64_t max_bytes = 16u << 20;
  size_t max_scanned = 100'000;
};

struct PendingBatch {
  std::string key;  // cursor value to resume after this batch
  wire::BatchFrame frame;
};

struct RetainedBatch {
  std::string key;
  TimeMs committed_at_ms = 0;
  wire::BatchFrame frame;
};

// A page of a scan. Pass `cursor` back to continue; `end` is true when nothing is left
// (as of this scan: batches stored later may appear after the cursor).
template <class T>
struct Page {
  std::vector<T> batches;
  std::string cursor;
  bool end = false;
};

// Retained batches of a host (empty = every host) and category (empty = every category)
// whose event times overlap [from_ms, to_ms).
struct ReplayQuery {
  std::string host;
  std::string category;
  TimeMs from_ms = 0;
  TimeMs to_ms = INT64_MAX;
};

class BatchStore {
 public:
  // Opens or creates the store. On failure `why` says what RocksDB reported and what the
  // operator can do; nothing on disk is deleted or repaired.
  static Result<std::unique_ptr<BatchStore>> open(const BatchStoreOptions& options,
                                                  std::string& why);
  ~BatchStore();
  BatchStore(const BatchStore&) = delete;
  BatchStore& operator=(const BatchStore&) = delete;

  Result<BatchState> state(std::string_view host, std::string_view category, uint64_t incarnation,
                           uint64_t seq) const;

  // Stores every frame not already pending or retained in one synced write; frames that
  // repeat within `frames` are stored once. Returns one outcome per frame, in order. A
  // failed write fails exactly the frames that needed it.
  // `info`, if given, learns whether a synced write was attempted and how many batches
  // it stored.
  struct GroupWrite {
    bool synced = false;
    size_t written = 0;
  };
  std::vector<Result<SubmitOutcome>> store_group(std::span<const wire::BatchFrame* const> frames,
                                                 GroupWrite* info = nullptr);
  Result<SubmitOutcome> store(const wire::BatchFrame& frame);

  // Moves the pending batches inside `ranges` to retained, stamped `now_ms`. Each batch
  // moves atomically; the whole call is one synced write unless the batches exceed
  // options.max_move_bytes, then a few. Returns the ids moved, for DELIVERED relays;
  // seqs that were not pending are skipped silently.
  Result<std::vector<BatchId>> mark_committed(const std::vector<wire::AckRange>& ranges,
                                              TimeMs now_ms);

  // Pending batches in key order, strictly after `cursor` ("" = from the start). Keys
  // `skip` returns true for are passed over unread and count only as scanned: the
  // forwarder skips what it has in flight without copying those payloads again.
  Result<Page<PendingBatch>> scan_pending(
      std::string_view cursor, const ScanLimits& limits,
      const std::function<bool(std::string_view key)>& skip = {}) const;

  // Retained batches matching `query`, in key order, strictly after `cursor`.
  Result<Page<RetainedBatch>> scan_retained(const ReplayQuery& query, std::string_view cursor,
                                            const ScanLimits& limits) const;

  // Deletes up to `max_batches` retained batches committed at or before now_ms - TTL, or
  // beyond options.retention_bytes, oldest first, in one synced write. Returns how many;
  // call again while it returns max_batches.
  Result<size_t> expire_retained(TimeMs now_ms, size_t max_batches = 10'000);
  // The newest commit time of any batch expired so far (0 = none ever): a replay whose
  // range starts at or before it may miss batches (persisted, so it holds after restart).
  TimeMs expired_through_ms() const { return expired_through_ms_.load(std::memory_order_relaxed); }
  // Commit time of the oldest retained batch, 0 when none is retained.
  Result<TimeMs> oldest_retained_ms() const;

  // Replay jobs' durable state, opaque here. put is one synced write.
  Result<void> put_replay_job(uint64_t replay_id, std::string_view state);
  Result<std::optional<std::string>> get_replay_job(uint64_t replay_id) const;

  StoreTotals totals() const { return counters_.totals(); }
  PendingCount pending_for(std::string_view host) const { return counters_.pending_for(host); }
  std::map<std::string, PendingCount, std::less<>> pending_by_host() const {
    return counters_.pending_by_host();
  }
  std::map<std::string, CategoryCount, std::less<>> pending_by_category() const {
    return counters_.pending_by_category();
  }
  // Batches and events stored, and moved out of pending by COMMITTED, since open().
  FlowTotals flow() const { return counters_.flow(); }

  // After a write failed with ENOSPC no write reaches RocksDB (its WAL writer is not to
  // be used again after a failed append) until try_resume() succeeds: DB::Resume, then
  // a small synced probe write. Call it periodically while out_of_space().
  Result<void> try_resume();
  bool out_of_space() const { return budget_.out_of_space(); }

  // Ingest gate: disk usage over the budget, or the last write hit ENOSPC.
  bool over_budget() const { return budget_.over_budget(); }
  DiskBudget& disk_budget() { return budget_; }
  const DiskBudget& disk_budget() const { return budget_; }

  TimeMs retention_ms() const { return options_.retention_ms; }
  uint64_t retention_bytes() const { return options_.retention_bytes; }
  const std::string& path() const { return options_.path; }
  // Payload segments on disk (a pending batch keeps its segment, and the retained
  // batches in it, until it is committed).
  size_t payload_segments() const { return payloads_->segments(); }

 private:
  BatchStore(const BatchStoreOptions& options, std::unique_ptr<storage::RocksStore> db,
             std::unique_ptr<PayloadLog> payloads);
  Result<void> write_synced(storage::RocksStore::Batch& batch);
  Result<void> count_payload_references();
  Result<void> upgrade_format(std::string_view from);
  // The frame a decoded entry describes, its payload read from the log if not inline.
  Result<wire::BatchFrame> load(StoredRecord record) const;
  Result<void> rebuild_category_counters();
  Result<void> move_chunk(std::vector<std::pair<std::string, std::string>>& moves, TimeMs now_ms,
                          std::vector<BatchId>& moved);

  BatchStoreOptions options_;
  std::unique_ptr<storage::RocksStore> db_;
  std::unique_ptr<PayloadLog> payloads_;
  int pending_cf_;
  int retained_cf_;
  int index_cf_;
  int meta_cf_;
  int replays_cf_;
  std::atomic<TimeMs> expired_through_ms_{0};
  StoreCounters counters_;
  DiskBudget budget_;
  std::mutex write_mu_;  // serializes check-then-write in every mutating call
  std::chrono::steady_clock::time_point last_usage_refresh_;  // under write_mu_
};

}  // namespace ferry::broker::store
