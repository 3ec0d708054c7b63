#pragma once
// One broker connection: HELLO and identity checks, then BATCH → store (acked
// COMMITTED after the commit), WATERMARK → hour tracker, STATUS → host table (or, when it
// names the broker itself, the DC's broker backlog: docs/protocol.md §4.5). Runs on
// the consumer's io thread. Bad input gets ERROR with the reason, then close.

#include <memory>

#include "common/net/asio.h"
#include "common/net/frame_connection.h"

namespace ferry::consumer {

class ConsumerApp;

asio::awaitable<void> run_broker_session(ConsumerApp& app, std::shared_ptr<net::FrameConnection> conn);

}  // namespace ferry::consumer
