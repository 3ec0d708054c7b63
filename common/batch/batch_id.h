#pragma once
// The identity of a batch, the same at every hop: (host, category, incarnation, seq),
// plus the replay id of a replayed batch (0 for live traffic), so that a replay is
// deduplicated within itself and never against live data (DESIGN §7). And the folding
// of ids into the inclusive seq ranges that acks carry.
//
// How an id is laid out as a RocksDB key belongs to each store (the broker's keys have
// no replay id; the consumer's do).

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "common/batch/batch_header.h"
#include "common/wire/messages.h"

namespace ferry::batch {

struct BatchId {
  std::string host;
  std::string category;
  uint64_t seq = 0;
  uint64_t replay_id = 0;
  uint64_t incarnation = 0;  // of the agent state that numbered the stream
  auto operator<=>(const BatchId&) const = default;
  bool operator==(const BatchId&) const = default;
};

BatchId batch_id_of(const BatchHeader& h);

// Ids folded into inclusive seq runs per (stream, replay id).
struct IdRange {
  wire::AckRange range;
  uint64_t replay_id = 0;
  bool operator==(const IdRange&) const = default;
};
std::vector<IdRange> fold_ranges(std::vector<BatchId> ids);

// The same, as the AckRanges a STORED/DELIVERED/COMMITTED frame carries.
std::vector<wire::AckRange> to_ack_ranges(std::vector<BatchId> ids);

}  // namespace ferry::batch
