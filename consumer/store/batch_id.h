#pragma once
// The consumer's RocksDB key of a batch id (common/batch/batch_id.h): its layout has
// the replay id, so replays are deduplicated apart from live data.

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/batch/batch_id.h"

namespace ferry::consumer::store {

using batch::batch_id_of;
using batch::BatchId;

// Order-preserving RocksDB key: name(host) name(category) be64(incarnation) be64(replay_id)
// be64(seq).
std::string batch_id_key(const BatchId& id);
// The inverse; Errc::kBadRecord for anything batch_id_key cannot have written.
Result<BatchId> parse_batch_id_key(std::string_view key);

}  // namespace ferry::consumer::store
