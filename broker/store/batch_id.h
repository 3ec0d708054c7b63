#pragma once
// Identity of a stored batch, (host, category, incarnation, seq), and its RocksDB key
// (storage::stream_seq_key), plus folding ids into the AckRanges that DELIVERED carries.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/wire/messages.h"

namespace ferry::broker::store {

struct BatchId {
  std::string host;
  std::string category;
  uint64_t seq = 0;
  uint64_t incarnation = 0;
  auto operator<=>(const BatchId&) const = default;
  bool operator==(const BatchId&) const = default;
};

std::string key_of(const BatchId& id);

// Parses a key written by storage::stream_seq_key; nullopt if it is not one.
std::optional<BatchId> batch_id_from_key(std::string_view key);

// Sorts the ids and merges consecutive seqs of a stream into inclusive ranges.
std::vector<wire::AckRange> to_ack_ranges(std::vector<BatchId> ids);

}  // namespace ferry::broker::store
