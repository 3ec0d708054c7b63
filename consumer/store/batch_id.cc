#include "consumer/store/batch_id.h"

#include <algorithm>
#include <tuple>

#include "common/storage/key_codec.h"
#include "consumer/store/errc.h"

namespace ferry::consumer::store {

BatchId batch_id_of(const batch::BatchHeader& h) {
  return BatchId{h.host, h.category, h.seq, h.replay_id, h.incarnation};
}

std::string batch_id_key(const BatchId& id) {
  std::string k = storage::stream_prefix(id.host, id.category, id.incarnation);
  storage::put_be64(k, id.replay_id);
  storage::put_be64(k, id.seq);
  return k;
}

Result<BatchId> parse_batch_id_key(std::string_view key) {
  BatchId id;
  id.host = std::string(storage::take_name(key));
  id.category = std::string(storage::take_name(key));
  if (id.host.empty() || id.category.empty() || key.size() != 24) return std::error_code(Errc::kBadRecord);
  id.incarnation = storage::get_be64(key.substr(0, 8));
  id.replay_id = storage::get_be64(key.substr(8, 8));
  id.seq = storage::get_be64(key.substr(16));
  return id;
}

std::vector<CommittedRange> coalesce(std::vector<BatchId> ids) {
  std::sort(ids.begin(), ids.end(), [](const BatchId& a, const BatchId& b) {
    return std::tie(a.host, a.category, a.incarnation, a.replay_id, a.seq) <
           std::tie(b.host, b.category, b.incarnation, b.replay_id, b.seq);
  });
  std::vector<CommittedRange> out;
  for (const BatchId& id : ids) {
    if (!out.empty()) {
      auto& last = out.back();
      if (last.range.host == id.host && last.range.category == id.category &&
          last.range.incarnation == id.incarnation && last.replay_id == id.replay_id &&
          id.seq <= last.range.last_seq + 1) {
        last.range.last_seq = std::max(last.range.last_seq, id.seq);
        continue;
      }
    }
    out.push_back({wire::AckRange{id.host, id.category, id.seq, id.seq, id.incarnation}, id.replay_id});
  }
  return out;
}

}  // namespace ferry::consumer::store
