#include "consumer/store/stream_progress.h"

#include <algorithm>

namespace ferry::consumer::store {
namespace {

// Moves the contiguous prefix forward over out-of-order seqs, then lets every pending
// watermark whose seq is now covered take effect.
void advance(StreamState& s) {
  while (!s.above.empty() && *s.above.begin() <= s.contiguous_seq + 1) {
    s.contiguous_seq = std::max(s.contiguous_seq, *s.above.begin());
    s.above.erase(s.above.begin());
  }
  auto& p = s.pending_watermarks;
  auto covered =
      std::find_if(p.begin(), p.end(), [&](const auto& w) { return w.first > s.contiguous_seq; });
  for (auto it = p.begin(); it != covered; ++it)
    s.watermark_ms = std::max(s.watermark_ms, it->second);
  p.erase(p.begin(), covered);
}

}  // namespace

bool takes_part(StreamState& s, uint64_t incarnation) {
  if (incarnation < s.incarnation) return false;
  if (incarnation > s.incarnation) {
    s.incarnation = incarnation;
    s.contiguous_seq = 0;
    s.above.clear();
    s.pending_watermarks.clear();
  }
  return true;
}

void record_committed(StreamState& s, uint64_t incarnation, uint64_t seq) {
  if (!takes_part(s, incarnation)) return;
  if (seq > s.contiguous_seq) s.above.insert(seq);
  advance(s);
}

bool record_watermark(StreamState& s, uint64_t incarnation, uint64_t seq, TimeMs time_ms,
                      size_t max_pending) {
  if (!takes_part(s, incarnation)) return false;  // a superseded state's late word
  auto& p = s.pending_watermarks;
  if (seq <= s.contiguous_seq) {
    s.watermark_ms = std::max(s.watermark_ms, time_ms);
  } else if (!p.empty() && p.back().first >= seq) {
    // Out of order or repeated: keep the later time for the highest seq seen.
    if (p.back().first == seq) p.back().second = std::max(p.back().second, time_ms);
  } else {
    p.emplace_back(seq, time_ms);
    if (p.size() > max_pending) p.erase(p.begin());
  }
  return true;
}

}  // namespace ferry::consumer::store
