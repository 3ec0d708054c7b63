#pragma once
// What an agent session (agent_session.h) uses of the broker: built once by BrokerApp,
// faked in tests. The references outlive every session; every call runs on the io
// thread, except `submit`'s callback (on the group commit's thread).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "broker/ingest_gate.h"
#include "broker/store/group_committer.h"
#include "common/base/clock.h"
#include "common/batch/batch_check.h"
#include "common/net/frame_connection.h"
#include "common/net/live_sessions.h"
#include "common/status/host_table.h"
#include "common/wire/errc.h"
#include "common/wire/messages.h"
#include "common/wire/replay_messages.h"

namespace ferry::broker {

struct AgentSessionDeps {
  // From the broker's config.
  std::string node_id;
  std::string dc;
  uint32_t max_categories_per_host = 0;
  uint32_t max_pending_submits = 0;  // per connection: no frame is read at this many
  // Each answered submit and each reopening of the gate wakes the session; this recheck
  // is only a safety net.
  std::chrono::milliseconds hold_recheck{1000};

  const Clock& clock;
  net::LiveSessions& agents_live;  // one live connection per host
  status::HostTable& hosts;        // STATUS of a host, connected or not
  batch::BatchChecker& checker;    // the checks a batch passes before it is stored
  IngestGate& ingest;              // closed: no agent frame is read

  // A checked batch to the group commit; fails at once when its queue is full.
  std::function<Result<void>(wire::BatchFrame batch, store::GroupCommitter::Callback done)> submit;
  // A batch stored (or found delivered already): the acks' bookkeeping (ack_relay.h).
  std::function<void(const wire::AckRange& range, store::SubmitOutcome outcome)> on_stored;
  // A batch that failed the checks: quarantined, its marker stored in its place.
  std::function<void(std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame batch,
                     wire::Errc code, std::string why)>
      refuse_batch;
  std::function<void(size_t payload_bytes)> batch_received;  // metrics
  std::function<void(int delta)> agent_connected;            // metrics

  // DELIVERED relayed to the host's connection (ack_relay.h).
  std::function<void(const std::string& host, std::shared_ptr<net::FrameConnection> conn)>
      attach_acks;
  std::function<void(const std::string& host, const net::FrameConnection* conn)> detach_acks;
  // The forwarder (forwarder.h): what goes on to the consumers.
  std::function<void(const std::string& host)> on_agent_connected;
  std::function<void(const wire::Watermark& w)> forward_watermark;
  std::function<void(const wire::Status& s)> forward_status;
  std::function<void(const std::string& host, const wire::ReplayProgress& p)> on_replay_progress;
  // A batch re-read for a replay, straight to the consumer link running it; false: none.
  std::function<bool(uint64_t replay_id, std::string frame)> relay_replayed_batch;
};

}  // namespace ferry::broker
