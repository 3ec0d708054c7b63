#pragma once
// What a ConsumerLink (consumer_link.h) uses of the broker: built by BrokerApp, given to
// the Forwarder, which fills in its routing and hands a copy to every link it makes. The
// references are owned by the broker and outlive every link.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/ack_relay.h"
#include "broker/store/batch_store.h"
#include "common/base/clock.h"
#include "common/net/asio.h"
#include "common/net/socket_tuning.h"
#include "common/status/host_table.h"
#include "common/tls/context_source.h"
#include "common/wire/messages.h"

namespace ferry::broker {

class ConsumerLink;

struct ConsumerLinkDeps {
  asio::any_io_executor executor;  // the broker's io thread: every link runs here
  tls::ContextSource& tls_client;  // the broker's client certificate (reloaded on SIGHUP)
  store::BatchStore& store;        // pending batches to forward; COMMITTED moves them
  asio::thread_pool& store_pool;   // the synced store writes, off the io thread
  AckRelay& agents;                // replays from hosts: requests go to these agents
  status::HostTable& hosts;        // ... and report the hosts that are not connected
  const Clock& clock;

  // From the broker's config.
  std::string node_id;
  std::string dc;
  net::SocketTuning tuning;
  uint32_t max_frame_bytes = 0;
  uint32_t window_batches = 0;  // sent and not yet COMMITTED, per link
  uint64_t window_bytes = 0;
  uint64_t replay_rate_bytes = 0;
  uint64_t replay_window_bytes = 0;

  // The link a stream goes to (the Forwarder's routing; null: none). A link sends only
  // the pending batches routed to itself.
  std::function<const ConsumerLink*(std::string_view host, std::string_view category)> link_for;
  // The batches COMMITTED moved to retention: DELIVERED goes to their agents.
  std::function<void(const std::vector<wire::AckRange>&)> on_committed;
};

}  // namespace ferry::broker
