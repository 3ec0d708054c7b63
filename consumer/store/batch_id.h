#pragma once
// Identity of a batch for deduplication: (host, category, incarnation, seq) for live traffic, plus
// the replay id for replayed batches, so a replay is deduplicated within itself and
// never against live output (DESIGN §7).

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/batch/batch_header.h"
#include "common/wire/messages.h"

namespace ferry::consumer::store {

struct BatchId {
  std::string host;
  std::string category;
  uint64_t seq = 0;
  uint64_t replay_id = 0;
  uint64_t incarnation = 0;  // of the agent state that numbered the stream
  auto operator<=>(const BatchId&) const = default;
};

BatchId batch_id_of(const batch::BatchHeader& h);

// Order-preserving RocksDB key: name(host) name(category) be64(incarnation) be64(replay_id)
// be64(seq).
std::string batch_id_key(const BatchId& id);
// The inverse; Errc::kBadRecord for anything batch_id_key cannot have written.
Result<BatchId> parse_batch_id_key(std::string_view key);

// Committed ids folded into inclusive seq runs per (stream, replay id), for COMMITTED.
struct CommittedRange {
  wire::AckRange range;
  uint64_t replay_id = 0;
  bool operator==(const CommittedRange&) const = default;
};
std::vector<CommittedRange> coalesce(std::vector<BatchId> ids);

}  // namespace ferry::consumer::store
