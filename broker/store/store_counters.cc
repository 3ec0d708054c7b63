#include "broker/store/store_counters.h"

#include "broker/store/store_keys.h"
#include "common/storage/errc.h"

#include <algorithm>

namespace ferry::broker::store {

void StoreCounters::Delta::add_pending(std::string_view host, std::string_view category,
                                       int64_t batches, int64_t bytes, int64_t events) {
  auto it = hosts.find(host);
  if (it == hosts.end()) it = hosts.emplace(std::string(host), std::pair<int64_t, int64_t>{}).first;
  it->second.first += batches;
  it->second.second += bytes;
  auto ct = categories.find(category);
  if (ct == categories.end()) ct = categories.emplace(std::string(category), Change{}).first;
  ct->second.batches += batches;
  ct->second.bytes += bytes;
  ct->second.events += events;
}

uint64_t StoreCounters::add(uint64_t v, int64_t d) {
  // Never wrap: a counter that would go negative means it drifted; clamp at zero.
  if (d < 0 && static_cast<uint64_t>(-d) > v) return 0;
  return v + static_cast<uint64_t>(d);
}

Result<void> StoreCounters::load(const storage::RocksStore& db, bool& has_categories) {
  std::map<std::string, PendingCount, std::less<>> hosts;
  bool bad = false;
  BOOST_OUTCOME_TRYV(
      db.scan(meta_cf_, kMetaHostPrefix, [&](std::string_view k, std::string_view v) {
        k.remove_prefix(kMetaHostPrefix.size());
        std::string_view host = storage::take_name(k);
        if (host.empty() || v.size() != 16) {
          bad = true;
          return false;
        }
        hosts[std::string(host)] = {storage::get_be64(v), storage::get_be64(v.substr(8))};
        return true;
      }));
  if (bad) return storage::Errc::kCorruption;
  std::map<std::string, CategoryCount, std::less<>> categories;
  BOOST_OUTCOME_TRYV(
      db.scan(meta_cf_, kMetaCategoryPrefix, [&](std::string_view k, std::string_view v) {
        k.remove_prefix(kMetaCategoryPrefix.size());
        std::string_view category = storage::take_name(k);
        if (category.empty() || v.size() != 24) {
          bad = true;
          return false;
        }
        categories[std::string(category)] = {storage::get_be64(v), storage::get_be64(v.substr(8)),
                                             storage::get_be64(v.substr(16))};
        return true;
      }));
  if (bad) return storage::Errc::kCorruption;
  BOOST_OUTCOME_TRY(marker, db.get(meta_cf_, kMetaHasCategories));
  has_categories = marker.has_value();
  BOOST_OUTCOME_TRY(retained, db.get(meta_cf_, kMetaRetained));
  std::lock_guard lock(mu_);
  hosts_ = std::move(hosts);
  categories_ = std::move(categories);
  if (retained && retained->size() == 16) {
    retained_batches_ = storage::get_be64(*retained);
    retained_bytes_ = storage::get_be64(std::string_view(*retained).substr(8));
  }
  return success();
}

void StoreCounters::stage(const Delta& delta, storage::RocksStore::Batch& batch) const {
  std::lock_guard lock(mu_);
  for (const auto& [host, d] : delta.hosts) {
    PendingCount now;
    if (auto it = hosts_.find(host); it != hosts_.end()) now = it->second;
    uint64_t batches = add(now.batches, d.first);
    uint64_t bytes = add(now.bytes, d.second);
    if (batches == 0) {
      batch.del(meta_cf_, meta_host_key(host));
    } else {
      batch.put(meta_cf_, meta_host_key(host), encode_pair(batches, bytes));
    }
  }
  for (const auto& [category, d] : delta.categories) {
    CategoryCount now;
    if (auto it = categories_.find(category); it != categories_.end()) now = it->second;
    uint64_t batches = add(now.batches, d.batches);
    if (batches == 0) {
      batch.del(meta_cf_, meta_category_key(category));
    } else {
      batch.put(meta_cf_, meta_category_key(category),
                encode_triple(batches, add(now.bytes, d.bytes), add(now.events, d.events)));
    }
  }
  if (delta.retained_batches != 0 || delta.retained_bytes != 0) {
    batch.put(meta_cf_, kMetaRetained,
              encode_pair(add(retained_batches_, delta.retained_batches),
                          add(retained_bytes_, delta.retained_bytes)));
  }
}

void StoreCounters::apply(const Delta& delta) {
  std::lock_guard lock(mu_);
  for (const auto& [host, d] : delta.hosts) {
    auto it = hosts_.find(host);
    if (it == hosts_.end()) it = hosts_.emplace(host, PendingCount{}).first;
    it->second.batches = add(it->second.batches, d.first);
    it->second.bytes = add(it->second.bytes, d.second);
    if (it->second.batches == 0) hosts_.erase(it);
  }
  for (const auto& [category, d] : delta.categories) {
    auto it = categories_.find(category);
    if (it == categories_.end()) it = categories_.emplace(category, CategoryCount{}).first;
    it->second.batches = add(it->second.batches, d.batches);
    it->second.bytes = add(it->second.bytes, d.bytes);
    it->second.events = add(it->second.events, d.events);
    if (it->second.batches == 0) categories_.erase(it);
    // Batches only enter pending by being stored and leave it by COMMITTED.
    if (d.batches > 0) {
      flow_.stored_batches += static_cast<uint64_t>(d.batches);
      flow_.stored_events += static_cast<uint64_t>(std::max<int64_t>(0, d.events));
    } else if (d.batches < 0) {
      flow_.committed_batches += static_cast<uint64_t>(-d.batches);
      flow_.committed_events += static_cast<uint64_t>(std::max<int64_t>(0, -d.events));
    }
  }
  retained_batches_ = add(retained_batches_, delta.retained_batches);
  retained_bytes_ = add(retained_bytes_, delta.retained_bytes);
}

void StoreCounters::stage_categories(
    const std::map<std::string, CategoryCount, std::less<>>& counts,
    storage::RocksStore::Batch& batch) const {
  for (const auto& [category, c] : counts) {
    if (c.batches > 0)
      batch.put(meta_cf_, meta_category_key(category), encode_triple(c.batches, c.bytes, c.events));
  }
  batch.put(meta_cf_, kMetaHasCategories, "1");
}

void StoreCounters::set_categories(std::map<std::string, CategoryCount, std::less<>> counts) {
  std::lock_guard lock(mu_);
  std::erase_if(counts, [](const auto& kv) { return kv.second.batches == 0; });
  categories_ = std::move(counts);
}

std::map<std::string, CategoryCount, std::less<>> StoreCounters::pending_by_category() const {
  std::lock_guard lock(mu_);
  return categories_;
}

FlowTotals StoreCounters::flow() const {
  std::lock_guard lock(mu_);
  return flow_;
}

StoreTotals StoreCounters::totals() const {
  std::lock_guard lock(mu_);
  StoreTotals t;
  for (const auto& [host, c] : hosts_) {
    t.pending_batches += c.batches;
    t.pending_bytes += c.bytes;
  }
  t.pending_hosts = hosts_.size();
  t.retained_batches = retained_batches_;
  t.retained_bytes = retained_bytes_;
  return t;
}

PendingCount StoreCounters::pending_for(std::string_view host) const {
  std::lock_guard lock(mu_);
  auto it = hosts_.find(host);
  return it == hosts_.end() ? PendingCount{} : it->second;
}

std::map<std::string, PendingCount, std::less<>> StoreCounters::pending_by_host() const {
  std::lock_guard lock(mu_);
  return hosts_;
}

}  // namespace ferry::broker::store
