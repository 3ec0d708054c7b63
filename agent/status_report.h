#pragma once
// What the agent reports about its streams: the STATUS message (unacked counts, backlog,
// unreadable bytes, watermark per category) and the same figures as /metrics gauges.

#include <map>
#include <string>

#include "agent/checkpoint/checkpoint.h"
#include "agent/send/inflight_window.h"
#include "agent/stream_batcher.h"
#include "common/base/clock.h"
#include "common/metrics/registry.h"
#include "common/wire/messages.h"

namespace ferry::agent {

// Everything of a stream before its watermark was sent. An idle, caught-up stream has
// sent everything up to now (less a second); otherwise everything before the oldest
// event not yet in a sent batch (lines of a file are taken to be in time order).
TimeMs stream_watermark(const StreamBatcher& stream, uint64_t backlog_bytes, TimeMs now);

// Per stream: unacked counts, backlog, unreadable bytes and watermark, as of `now`.
wire::Status agent_status(const std::string& host,
                          const std::map<std::string, StreamBatcher>& streams,
                          const send::InflightWindow& window, TimeMs now);

// Sets the agent's gauges in `registry` from `status` (taken at `now`).
void export_status_metrics(const wire::Status& status, TimeMs now,
                           const checkpoint::Checkpoint& checkpoint, bool broker_connected,
                           metrics::Registry& registry);

}  // namespace ferry::agent
