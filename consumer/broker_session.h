#pragma once
// One broker connection: HELLO and identity checks, then BATCH → store (acked
// COMMITTED after the commit), WATERMARK → hour tracker, STATUS → host table (or, when it
// names the broker itself, the DC's broker backlog: docs/protocol.md §4.5). Runs on
// the consumer's io thread. Bad input gets ERROR with the reason, then close.

#include <memory>

#include "common/net/asio.h"
#include "common/net/frame_connection.h"
#include "consumer/broker_session_deps.h"

namespace ferry::consumer {

// `deps` outlives the session (the consumer holds it).
asio::awaitable<void> run_broker_session(const BrokerSessionDeps& deps,
                                         std::shared_ptr<net::FrameConnection> conn);

}  // namespace ferry::consumer
