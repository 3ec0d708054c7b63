#pragma once
// After a restart: the batches recorded but not yet DELIVERED are read again from their
// files, with the same seq, byte range and events, and put in the in-flight window to
// be resent. A batch whose file is gone becomes a [ferry:lost] marker in its seq, so the
// stream has no gap that would hold its hours open forever.

#include <map>
#include <string>

#include "agent/batch_encoder.h"
#include "agent/checkpoint/checkpoint.h"
#include "agent/send/inflight_window.h"
#include "agent/stream_batcher.h"

namespace ferry::agent {

// The event that stands in for an unreadable recorded batch.
std::string lost_marker(const std::string& host, const std::string& category, uint64_t seq,
                        const checkpoint::BatchRecord& rec);

// Adds every unacked batch of the checkpoint to `window` (call before the pump starts).
void resend_unacked(const std::string& host, checkpoint::Checkpoint& checkpoint,
                    std::map<std::string, StreamBatcher>& streams, BatchEncoder& encoder,
                    send::InflightWindow& window);

}  // namespace ferry::agent
