#pragma once
// Keeps a client's connection visibly alive. Servers close a connection that leaves
// them waiting for a frame longer than ServerLimits::idle_timeout (three heartbeat
// intervals by default), so a quiet but healthy link (an agent with nothing to send, a
// broker with an empty backlog) sends a HEARTBEAT every kHeartbeatInterval.
//
// The loop runs on the connection's executor, holds only a weak reference, and ends
// within one interval of the connection closing.

#include <chrono>
#include <memory>

#include "common/net/frame_connection.h"
#include "common/net/server_limits.h"

namespace ferry::net {

void start_heartbeats(const std::shared_ptr<FrameConnection>& conn,
                      std::chrono::milliseconds interval = kHeartbeatInterval);

}  // namespace ferry::net
