#pragma once
// Pending batches and bytes per host, and retained totals, for dashboards and budgets.
// Persisted in the "meta" column family in the same WriteBatch as the change they count,
// so they are exact after a crash and cost nothing at open (no scan of the backlog).
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
    std::map<std::string, std::pair<int64_t, int64_t>, std::less<>> hosts;  // batches, bytes
    int64_t retained_batches = 0;
    int64_t retained_bytes = 0;
    void add_pending(std::string_view host, int64_t batches, int64_t bytes);
    bool empty() const { return hosts.empty() && retained_batches == 0 && retained_bytes == 0; }
  };

  explicit StoreCounters(int meta_cf) : meta_cf_(meta_cf) {}

  Result<void> load(const storage::RocksStore& db);
  void stage(const Delta& delta, storage::RocksStore::Batch& batch) const;
  void apply(const Delta& delta);

  StoreTotals totals() const;
  PendingCount pending_for(std::string_view host) const;
  std::map<std::string, PendingCount, std::less<>> pending_by_host() const;

 private:
  static uint64_t add(uint64_t v, int64_t d);

  int meta_cf_;
  mutable std::mutex mu_;
  std::map<std::string, PendingCount, std::less<>> hosts_;
  uint64_t retained_batches_ = 0;
  uint64_t retained_bytes_ = 0;
};

}  // namespace ferry::broker::store
