#pragma once
// What a broker session (broker_session.h) uses of the consumer: built once by
// ConsumerApp, faked in tests. The references outlive every session; every call runs on
// the io thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "common/base/clock.h"
#include "common/net/frame_connection.h"
#include "common/net/live_sessions.h"
#include "common/status/dc_totals.h"
#include "common/status/host_table.h"
#include "common/wire/errc.h"
#include "common/wire/messages.h"
#include "common/wire/replay_messages.h"
#include "consumer/pending_adds.h"

namespace ferry::consumer {

struct BrokerSessionDeps {
  // From the consumer's config.
  std::string node_id;
  std::vector<std::string> allowed_brokers;  // "dc/node_id"; empty: any the certificate admits
  uint32_t max_pending_adds = 0;             // per connection: no frame is read at this many
  // Each answered add wakes the session; this recheck is only a safety net.
  std::chrono::milliseconds hold_recheck{1000};

  const Clock& clock;
  net::LiveSessions& brokers_live;  // one live connection per broker id
  status::HostTable& hosts;         // STATUS of a host
  status::DcTotals& dc_totals;      // STATUS of the broker itself: its backlog

  // Opens a sealed batch in place and checks it; an error (with `why`) refuses it.
  std::function<std::error_code(wire::BatchFrame& batch, std::string& why)> open_and_check;
  // A checked batch to the store; `pending_adds` is lowered once it is queued no more.
  std::function<void(wire::BatchFrame batch, const std::string& dc,
                     std::weak_ptr<net::FrameConnection> conn,
                     std::shared_ptr<PendingAdds> pending_adds)>
      add_batch;
  // A batch that failed the checks: quarantined, its marker committed in its place.
  std::function<void(std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame batch,
                     wire::Errc code, std::string why, const std::string& dc,
                     std::shared_ptr<PendingAdds> pending_adds)>
      refuse_batch;
  std::function<void(const wire::Watermark& w)> add_watermark;

  // The replays' view of the brokers (consumer/replay/replay_manager.h).
  std::function<void(const std::string& broker, const std::string& dc,
                     std::shared_ptr<net::FrameConnection> conn)>
      on_broker_connected;
  std::function<void(const std::string& broker, const net::FrameConnection* conn)>
      on_broker_disconnected;
  std::function<void(const std::string& broker, const wire::ReplayProgress& p)> on_replay_progress;
  // False for a replayed batch of a replay cancelled or unknown: it is not written.
  std::function<bool(uint64_t replay_id)> accepts_replay;
};

}  // namespace ferry::consumer
