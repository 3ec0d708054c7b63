#include "broker/store/batch_id.h"

#include <algorithm>
#include <tuple>

#include "common/storage/key_codec.h"

namespace ferry::broker::store {

std::string key_of(const BatchId& id) {
  return storage::stream_seq_key(id.host, id.category, id.incarnation, id.seq);
}

std::optional<BatchId> batch_id_from_key(std::string_view key) {
  if (key.empty()) return std::nullopt;
  std::string_view host = storage::take_name(key);
  if (host.empty()) return std::nullopt;
  std::string_view category = storage::take_name(key);
  if (category.empty() || key.size() != 16) return std::nullopt;
  return BatchId{std::string(host), std::string(category), storage::get_be64(key.substr(8)),
                 storage::get_be64(key.substr(0, 8))};
}

std::vector<wire::AckRange> to_ack_ranges(std::vector<BatchId> ids) {
  std::sort(ids.begin(), ids.end(), [](const BatchId& a, const BatchId& b) {
    return std::tie(a.host, a.category, a.incarnation, a.seq) < std::tie(b.host, b.category, b.incarnation, b.seq);
  });
  std::vector<wire::AckRange> ranges;
  for (auto& id : ids) {
    if (!ranges.empty()) {
      auto& last = ranges.back();
      if (last.host == id.host && last.category == id.category && last.incarnation == id.incarnation &&
          id.seq <= last.last_seq + 1) {
        last.last_seq = std::max(last.last_seq, id.seq);
        continue;
      }
    }
    ranges.push_back({std::move(id.host), std::move(id.category), id.seq, id.seq, id.incarnation});
  }
  return ranges;
}

}  // namespace ferry::broker::store
