#pragma once
// Hour completeness (DESIGN §6). Per stream (host, category) it keeps the committed
// watermark: a WATERMARK(seq, time) counts only once every seq 1..seq of that stream is
// committed. The expected hosts of a category are those whose batches were committed
// within `lookback_ms`, minus hosts silent (no batch, no watermark) for
// `silent_timeout_ms` and hosts forgotten by an operator (until they speak again). An
// hour is complete when it has ended, the category has expected hosts, and every one of
// them has a committed watermark >= the hour's end. Hours complete in order per category,
// from the hour of its first committed batch; each gets <hour>/_SUCCESS with a JSON
// manifest, written atomically through the Sink.
//
// State lives in the RocksDB column family "hours" (hour_records.h) and survives
// restarts; each stream's progress is stream_progress.h; memory holds
// the streams heard from within `idle_stream_ms` (and their categories) only. A stream
// idle for longer is no expected host anyway (idle_stream_ms >= silent_timeout_ms), so
// dropping it changes no hour; touch() brings its durable record back before its next
// batch is routed or committed, so its seqs and watermark go on where they stopped.
// Commit-derived
// changes are written in the same synced write as the manifest's commit record
// (stage_commit / apply), so counts are exact across crashes; watermarks are written
// unsynced (agents resend them).
//
// Threading: the BucketStore's thread; not thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "common/storage/rocks_store.h"
#include "common/wire/messages.h"
#include "consumer/store/file_record.h"
#include "consumer/store/hour_records.h"
#include "consumer/store/sink.h"

namespace ferry::consumer::store {

struct HourTrackerOptions {
  TimeMs lookback_ms = 6 * kMsPerHour;
  TimeMs silent_timeout_ms = 30 * 60'000;
  TimeMs keep_ms = 48 * kMsPerHour;    // completed hours' counts are kept this long
  int max_hours_per_evaluate = 48;     // bounds the work of one evaluate() per category
  size_t max_pending_watermarks = 64;  // per stream, waiting for their seq to commit
  // A stream with no committed batch and no watermark for this long leaves memory
  // (expire_idle). At least silent_timeout_ms.
  TimeMs idle_stream_ms = 24 * kMsPerHour;
};

struct CompletedHour {
  std::string category;
  TimeMs hour = 0;
  bool operator==(const CompletedHour&) const = default;
};

class HourTracker {
 public:
  static constexpr const char* kCf = "hours";

  using HostCounts = store::HostCounts;
  using StreamState = store::StreamState;
  using HourRecord = store::HourRecord;
  using CategoryState = store::CategoryState;
  // Changes derived from one committed file, applied after the write that holds them.
  struct Staged {
    std::map<std::pair<std::string, std::string>, StreamState> streams;
    std::map<std::pair<std::string, TimeMs>, HourRecord> hours;
    std::map<std::string, CategoryState> categories;
  };

  static Result<std::unique_ptr<HourTracker>> open(storage::RocksStore& db, Sink& sink,
                                                   const Clock& clock, HourTrackerOptions options);

  // (category, host) pairs of batches not yet committed: expire_idle keeps them.
  using Busy = std::set<std::pair<std::string, std::string>>;

  // Whether batches of this hour now count as late. The category must have been
  // touch()ed since the last expire_idle() (BucketStore does both).
  bool is_complete(std::string_view category, TimeMs hour) const;

  // Brings back into memory the durable state of `category` (with its hour records) and
  // of its stream from `host`, if expire_idle() dropped them or they were idle at open.
  // Call before is_complete() or stage_commit() for them. Cheap when they are in memory.
  Result<void> touch(std::string_view category, std::string_view host);
  // Drops from memory every stream idle for idle_stream_ms that is not `busy`, then every
  // category left with no stream in memory (and its hour records). Their durable
  // records stay. Returns the number of streams dropped.
  size_t expire_idle(TimeMs now, const Busy& busy);
  size_t categories_in_memory() const { return categories_.size(); }

  // For BucketStore: adds the tracker's updates for a committing file to `wb`.
  Staged stage_commit(const FileRecord& rec, storage::RocksStore::Batch& wb) const;
  // For BucketStore, of a file another consumer of a tier committed (its commit
  // manifest): its seqs count as committed for the streams' watermarks, as ours do. No
  // counts, no contact: the other consumer publishes those (TierHours). touch() first.
  Staged stage_learnt(const FileRecord& rec, storage::RocksStore::Batch& wb) const;
  void apply(Staged staged);

  Result<void> on_watermark(const wire::Watermark& wm);
  // Watermarks of streams without a committed batch, ignored (see on_watermark).
  uint64_t ignored_watermarks() const { return ignored_watermarks_; }
  // Declares a host gone: it stops being expected until it next sends a batch or a
  // watermark. Synced.
  Result<void> forget_host(std::string_view host);

  // Completes every hour that can be, oldest first, writing its _SUCCESS; then
  // prune_hours(now).
  Result<std::vector<CompletedHour>> evaluate(TimeMs now);
  // Forgets the counts of hours completed more than keep_ms ago.
  Result<void> prune_hours(TimeMs now);
  // A consumer tier decides completeness together (TierHours): every hour of `category`
  // before `end` is complete, so batches for them now go to late/. No-op for a category
  // not in memory (touch() reads it back with what was adopted) or already past `end`.
  Result<void> adopt_complete(const std::string& category, TimeMs end);

  // For /api/hours: per category, the last 24 hours: complete or waiting on which hosts
  // (hour_view.cc).
  nlohmann::json snapshot(TimeMs now) const;

  std::vector<std::string> expected_hosts(std::string_view category, TimeMs now) const;
  const StreamState* stream(std::string_view host, std::string_view category) const;
  // Every stream, by (category, host).
  const std::map<std::pair<std::string, std::string>, StreamState>& streams() const {
    return streams_;
  }
  const HourRecord* hour_record(std::string_view category, TimeMs hour) const;
  const std::map<std::pair<std::string, TimeMs>, HourRecord>& hours() const { return hours_; }
  const std::map<std::string, CategoryState>& categories() const { return categories_; }
  const std::map<std::string, TimeMs>& forgotten() const { return forgotten_; }
  const HourTrackerOptions& options() const { return options_; }

 private:
  HourTracker(storage::RocksStore& db, Sink& sink, const Clock& clock, HourTrackerOptions options);
  Result<void> load(std::string_view prefix);
  // Applies one record of the column family to memory; false if it does not parse.
  bool take_record(std::string_view key, std::string_view value);
  Result<void> write_success(const std::string& category, TimeMs hour, TimeMs now);
  void put_stream(storage::RocksStore::Batch& wb, const std::string& category,
                  const std::string& host, const StreamState& s) const;
  // The staged copy of a stream: from `st` if staged already, else copied from memory.
  StreamState& staged_stream(Staged& st, const std::string& category,
                             const std::string& host) const;

  storage::RocksStore& db_;
  Sink& sink_;
  const Clock& clock_;
  HourTrackerOptions options_;
  int cf_;
  std::map<std::pair<std::string, std::string>, StreamState> streams_;  // (category, host)
  std::map<std::pair<std::string, TimeMs>, HourRecord> hours_;          // (category, hour)
  std::map<std::string, CategoryState> categories_;
  std::map<std::string, TimeMs> forgotten_;
  uint64_t ignored_watermarks_ = 0;  // host -> when
};

}  // namespace ferry::consumer::store
