#include "broker/store/batch_id.h"

#include <algorithm>

#include "common/storage/key_codec.h"

namespace ferry::broker::store {

std::string key_of(const BatchId& id) {
  return storage::stream_seq_key(id.host, id.category, id.seq);
}

std::optional<BatchId> batch_id_from_key(std::string_view key) {
  if (key.empty()) return std::nullopt;
  std::string_view host = storage::take_name(key);
  if (host.empty()) return std::nullopt;
  std::string_view category = storage::take_name(key);
  if (category.empty() || key.size() != 8) return std::nullopt;
  return BatchId{std::string(host), std::string(category), storage::get_be64(key)};
}

std::vector<wire::AckRange> to_ack_ranges(std::vector<BatchId> ids) {
  std::sort(ids.begin(), ids.end());
  std::vector<wire::AckRange> ranges;
  for (auto& id : ids) {
    if (!ranges.empty()) {
      auto& last = ranges.back();
      if (last.host == id.host && last.category == id.category && id.seq <= last.last_seq + 1) {
        last.last_seq = std::max(last.last_seq, id.seq);
        continue;
      }
    }
    ranges.push_back({std::move(id.host), std::move(id.category), id.seq, id.seq});
  }
  return ranges;
}

}  // namespace ferry::broker::store
