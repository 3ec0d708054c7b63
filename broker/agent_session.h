#pragma once
// One agent connection: HELLO and identity checks, then BATCH → group commit → STORED
// (or DELIVERED when the batch was already committed), WATERMARK and STATUS passed to
// the forwarder and the host table. Runs on the broker's io thread.
//
// Refusals (DESIGN §2.6): a HELLO naming a host the certificate does not name, a batch
// naming another host, a bad CRC, a malformed frame — each gets ERROR with the reason,
// is logged, and the connection closes. Nothing stored is touched.

#include <memory>

#include "broker/agent_session_deps.h"
#include "common/net/asio.h"
#include "common/net/frame_connection.h"

namespace ferry::broker {

asio::awaitable<void> run_agent_session(const AgentSessionDeps& deps,
                                        std::shared_ptr<net::FrameConnection> conn);

}  // namespace ferry::broker
