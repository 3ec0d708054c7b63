#include "common/batch/batch_id.h"

#include <algorithm>
#include <tuple>

namespace ferry::batch {

BatchId batch_id_of(const BatchHeader& h) {
  return BatchId{h.host, h.category, h.seq, h.replay_id, h.incarnation};
}

std::vector<IdRange> fold_ranges(std::vector<BatchId> ids) {
  std::sort(ids.begin(), ids.end(), [](const BatchId& a, const BatchId& b) {
    return std::tie(a.host, a.category, a.incarnation, a.replay_id, a.seq) <
           std::tie(b.host, b.category, b.incarnation, b.replay_id, b.seq);
  });
  std::vector<IdRange> out;
  for (BatchId& id : ids) {
    if (!out.empty()) {
      auto& last = out.back();
      if (last.range.host == id.host && last.range.category == id.category &&
          last.range.incarnation == id.incarnation && last.replay_id == id.replay_id &&
          id.seq <= last.range.last_seq + 1) {
        last.range.last_seq = std::max(last.range.last_seq, id.seq);
        continue;
      }
    }
    out.push_back(
        {wire::AckRange{std::move(id.host), std::move(id.category), id.seq, id.seq, id.incarnation},
         id.replay_id});
  }
  return out;
}

std::vector<wire::AckRange> to_ack_ranges(std::vector<BatchId> ids) {
  std::vector<wire::AckRange> out;
  for (auto& r : fold_ranges(std::move(ids))) out.push_back(std::move(r.range));
  return out;
}

}  // namespace ferry::batch
