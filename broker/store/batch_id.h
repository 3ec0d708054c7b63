#pragma once
// The broker's RocksDB key of a batch (storage::stream_seq_key: host, category,
// incarnation, seq; brokers store no replay ids) and back.

#include <optional>
#include <string>
#include <string_view>

#include "common/batch/batch_id.h"

namespace ferry::broker::store {

using batch::BatchId;
using batch::to_ack_ranges;

std::string key_of(const BatchId& id);

// Parses a key written by storage::stream_seq_key; nullopt if it is not one.
std::optional<BatchId> batch_id_from_key(std::string_view key);

// "host/category seq N" for log lines, or "an unparsable key".
std::string describe_key(std::string_view key);

}  // namespace ferry::broker::store
