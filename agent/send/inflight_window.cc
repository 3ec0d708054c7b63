#include "agent/send/inflight_window.h"

namespace ferry::agent::send {

void InflightWindow::add(InflightBatch batch) {
  Key key{batch.category, batch.seq};
  bytes_ += batch.frame.size();
  auto [it, added] = batches_.try_emplace(std::move(key));
  // A batch added again replaces its copy; its bytes must not count twice, or the window
  // would stay "full" after every batch was delivered.
  if (!added) bytes_ -= it->second.frame.size();
  it->second = std::move(batch);
}

void InflightWindow::mark_stored(const std::vector<wire::AckRange>& ranges) {
  for (const auto& r : ranges) {
    if (r.incarnation != incarnation_) continue;  // an ack of a former state's stream
    auto it = batches_.lower_bound({r.category, r.first_seq});
    for (; it != batches_.end() && it->first.first == r.category && it->first.second <= r.last_seq;
         ++it) {
      it->second.stored = true;
    }
  }
}

std::vector<InflightBatch> InflightWindow::take_delivered(
    const std::vector<wire::AckRange>& ranges) {
  std::vector<InflightBatch> out;
  for (const auto& r : ranges) {
    if (r.incarnation != incarnation_) continue;  // its seqs are not ours
    auto it = batches_.lower_bound({r.category, r.first_seq});
    while (it != batches_.end() && it->first.first == r.category &&
           it->first.second <= r.last_seq) {
      bytes_ -= it->second.frame.size();
      out.push_back(std::move(it->second));
      it = batches_.erase(it);
    }
  }
  return out;
}

std::map<std::string, CategoryCounts> InflightWindow::counts() const {
  std::map<std::string, CategoryCounts> out;
  for (const auto& [key, b] : batches_) {
    auto& c = out[b.category];
    c.unacked_events += b.events;
    ++c.unacked_batches;
    if (c.oldest_unacked_ms == 0 || b.min_time_ms < c.oldest_unacked_ms)
      c.oldest_unacked_ms = b.min_time_ms;
  }
  return out;
}

uint64_t InflightWindow::lowest_seq(const std::string& category) const {
  auto it = batches_.lower_bound({category, 0});
  if (it == batches_.end() || it->first.first != category) return 0;
  return it->first.second;
}

}  // namespace ferry::agent::send
