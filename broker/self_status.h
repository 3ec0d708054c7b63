#pragma once
// The broker's STATUS about itself (docs/protocol.md §4.5, "broker self-status"): a
// STATUS frame whose host is the broker's node id, with per category unacked_batches =
// stored batches awaiting COMMITTED, backlog_bytes = their payload bytes, unacked_events
// = their events. The forwarder sends it with the agents' STATUS frames; the consumer
// recognises it by the host being the connection's broker and adds it to its DC's
// backlog instead of showing a host.

#include <map>
#include <string>

#include "broker/store/store_counters.h"
#include "common/base/clock.h"
#include "common/wire/messages.h"

namespace ferry::broker {

// At most wire::kMaxStatusStreams categories (the largest by bytes) are named.
wire::Status make_self_status(
    const std::string& node_id,
    const std::map<std::string, store::CategoryCount, std::less<>>& pending, TimeMs now);

}  // namespace ferry::broker
