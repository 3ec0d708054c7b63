#pragma once
// The agent's batches that are sent (or about to be) and not yet DELIVERED, bounded by
// count and bytes. Everything here is resent after a reconnect; a batch leaves only on
// DELIVERED. Memory is bounded by the window: when it is full the agent stops reading
// its files (backpressure), whatever the backlog on disk.
//
// Single-threaded (the agent's io thread).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/base/clock.h"
#include "common/batch/batch_builder.h"
#include "common/batch/batch_header.h"
#include "common/wire/messages.h"

namespace ferry::agent::send {

// A batch cut and recorded whose frame is not encoded yet: the agent compresses off its
// io thread (BatchEncodeWorker), and the batch waits here until then.
struct UnencodedBatch {
  batch::BuiltBatch built;
  batch::FileIdentity file;
};

struct InflightBatch {
  std::string category;
  uint64_t seq = 0;
  uint32_t events = 0;
  TimeMs min_time_ms = 0;
  TimeMs max_time_ms = 0;
  std::string frame;  // the encoded BATCH frame, ready to (re)send
  bool stored = false;
  std::shared_ptr<UnencodedBatch> unencoded;  // set while `frame` is still empty
};

struct CategoryCounts {
  uint64_t unacked_events = 0;
  uint64_t unacked_batches = 0;
  TimeMs oldest_unacked_ms = 0;  // earliest event time among unacked batches
};

class InflightWindow {
 public:
  InflightWindow(uint32_t max_batches, uint64_t max_bytes)
      : max_batches_(max_batches), max_bytes_(max_bytes) {}

  // Acks name a stream's incarnation; only this agent state's count (the others are of
  // a former state of this host, whose seqs may equal ours).
  void set_incarnation(uint64_t incarnation) { incarnation_ = incarnation; }

  bool has_room() const { return batches_.size() < max_batches_ && bytes_ < max_bytes_; }
  bool empty() const { return batches_.empty(); }
  size_t size() const { return batches_.size(); }
  uint64_t bytes() const { return bytes_; }

  void add(InflightBatch batch);
  void mark_stored(const std::vector<wire::AckRange>& ranges);
  // Removes and returns the batches the ranges name.
  std::vector<InflightBatch> take_delivered(const std::vector<wire::AckRange>& ranges);

  // In (category, seq) order, for resending.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& [key, b] : batches_) fn(b);
  }
  std::map<std::string, CategoryCounts> counts() const;
  // Lowest unacked seq of a category, 0 if none.
  uint64_t lowest_seq(const std::string& category) const;

 private:
  using Key = std::pair<std::string, uint64_t>;
  uint32_t max_batches_;
  uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  uint64_t incarnation_ = 0;
  std::map<Key, InflightBatch> batches_;
};

}  // namespace ferry::agent::send
