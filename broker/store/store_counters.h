#pragma once
// Pending batches and bytes per host, pending batches, bytes and events per category,
// and retained totals, for dashboards and budgets. Persisted in the "meta" column family
// in the same WriteBatch as the change they count, so they are exact after a crash and
// cost nothing at open (no scan of the backlog; a store written before the per-category
// counters existed is scanned once, see BatchStore::open).
//
// Besides, since the process started: batches and events newly stored (a pending count
// going up) and moved out of pending by COMMITTED (going down), for rates.
//
// Protocol for writers (which BatchStore serializes): build a Delta, stage() it into
// the WriteBatch, write, and apply() it only if the write succeeded. Readers may call
// the getters from any thread.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/storage/rocks_store.h"

namespace ferry::broker::store {

struct PendingCount {
  uint64_t batches = 0;
  uint64_t bytes = 0;  // payload bytes
  bool operator==(const PendingCount&) const = default;
};

struct CategoryCount {
  uint64_t batches = 0;
  uint64_t bytes = 0;  // payload bytes
  uint64_t events = 0;
  bool operator==(const CategoryCount&) const = default;
};

// Monotonic since the store was opened in this process.
struct FlowTotals {
  uint64_t stored_batches = 0;
  uint64_t stored_events = 0;
  uint64_t committed_batches = 0;
  uint64_t committed_events = 0;
};

struct StoreTotals {
  uint64_t pending_batches = 0;
  uint64_t pending_bytes = 0;
  uint64_t retained_batches = 0;
  uint64_t retained_bytes = 0;
  size_t pending_hosts = 0;
};

class StoreCounters {
 public:
  struct Delta {
    struct Change {
      int64_t batches = 0, bytes = 0, events = 0;
    };
    std::map<std::string, std::pair<int64_t, int64_t>, std::less<>> hosts;  // batches, bytes
    std::map<std::string, Change, std::less<>> categories;
    int64_t retained_batches = 0;
    int64_t retained_bytes = 0;
    // One batch of `host`/`category` entering (+1) or leaving (-1) pending.
    void add_pending(std::string_view host, std::string_view category, int64_t batches,
                     int64_t bytes, int64_t events);
    bool empty() const {
      return hosts.empty() && categories.empty() && retained_batches == 0 && retained_bytes == 0;
    }
  };

  explicit StoreCounters(int meta_cf) : meta_cf_(meta_cf) {}

  // Loads the counters; `has_categories` tells whether the per-category counters exist
  // (false for a store written by an older broker).
  Result<void> load(const storage::RocksStore& db, bool& has_categories);
  void stage(const Delta& delta, storage::RocksStore::Batch& batch) const;
  // Counts the delta's pending changes in the flow totals too.
  void apply(const Delta& delta);
  // Rebuilt per-category counters (from a scan of pending): staged with the marker that
  // they exist, then set once the write succeeded. Flow totals are not touched.
  void stage_categories(const std::map<std::string, CategoryCount, std::less<>>& counts,
                        storage::RocksStore::Batch& batch) const;
  void set_categories(std::map<std::string, CategoryCount, std::less<>> counts);

  StoreTotals totals() const;
  PendingCount pending_for(std::string_view host) const;
  std::map<std::string, PendingCount, std::less<>> pending_by_host() const;
  std::map<std::string, CategoryCount, std::less<>> pending_by_category() const;
  FlowTotals flow() const;

 private:
  static uint64_t add(uint64_t v, int64_t d);

  int meta_cf_;
  mutable std::mutex mu_;
  std::map<std::string, PendingCount, std::less<>> hosts_;
  std::map<std::string, CategoryCount, std::less<>> categories_;
  FlowTotals flow_;
  uint64_t retained_batches_ = 0;
  uint64_t retained_bytes_ = 0;
};

}  // namespace ferry::broker::store
