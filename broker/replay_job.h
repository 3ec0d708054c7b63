#pragma once
// A replay job's durable state on the broker (BatchStore "replays"): the request, its
// state, the committed cursor and the counts of what was committed up to it, and what
// the broker knew to be missing when the job began. Encoded with a version byte.
//
// The cursor only moves past a batch once it and every batch before it were acked
// REPLAY_COMMITTED, and the counts move with it in the same record: after a restart the
// job resends from the cursor, the consumer deduplicates within the replay, and the
// counts stay exact.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/wire/replay_messages.h"

namespace ferry::broker {

struct ReplayJobState {
  wire::ReplayRequest request;
  wire::ReplayState state = wire::ReplayState::kRunning;
  std::string committed_cursor;  // batch key; "" = nothing committed yet
  std::map<std::pair<std::string, std::string>, wire::ReplayStreamCount>
      counts;  // (host, category)
  std::vector<wire::ReplayMissing> missing;
  bool operator==(const ReplayJobState&) const = default;
};

std::string encode_replay_job(const ReplayJobState& s);
Result<ReplayJobState> decode_replay_job(std::string_view bytes);

}  // namespace ferry::broker
