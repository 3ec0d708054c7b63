#include "consumer/broker_session.h"

#include <spdlog/spdlog.h>

#include "common/batch/batch_header.h"
#include "common/log/printable.h"
#include "common/net/hello_exchange.h"
#include "common/net/session_reader.h"
#include "common/wire/messages.h"
#include "common/wire/replay_messages.h"

namespace ferry::consumer {
asio::awaitable<void> run_broker_session(const BrokerSessionDeps& deps,
                                         std::shared_ptr<net::FrameConnection> conn) {
  net::HelloPolicy policy;
  policy.local =
      wire::Hello{wire::kProtocolVersion, wire::Role::kConsumer, deps.node_id, "central"};
  policy.expected_peer_role = wire::Role::kBroker;
  policy.allowed_peers = deps.allowed_brokers;
  auto hello = co_await net::accept_hello(*conn, policy);
  if (!hello) co_return;
  const std::string broker = hello.value().node_id;
  const std::string dc = hello.value().dc;
  std::string holder;
  if (!deps.brokers_live.claim(broker, conn, holder)) {
    net::refuse_peer(*conn, "broker " + broker, wire::Errc::kIdentityMismatch,
                     "broker " + broker + " already has a live connection from " + holder);
    co_return;
  }
  spdlog::info("broker {} (dc {}) connected from {}", broker, dc, conn->remote());
  deps.on_broker_connected(broker, dc, conn);

  auto pending_adds = std::make_shared<PendingAdds>();
  net::SessionReader reader(
      *conn, "broker " + broker, [&deps] { return deps.clock.now_ms(); }, deps.hold_recheck);
  pending_adds->wake = reader.waker();
  // Backpressure: no frame is read while this broker has too many batches queued for the
  // store; the broker's window then fills and it stops sending.
  auto hold = [&] { return pending_adds->count >= deps.max_pending_adds; };
  while (auto frame = co_await reader.next(hold)) {
    switch (frame.value().type) {
      case wire::FrameType::kBatch: {
        auto batch = wire::decode_batch_fields(frame.value().body);
        if (!batch) {
          reader.refuse(static_cast<wire::Errc>(batch.error().value()),
                        "bad BATCH: " + batch.error().message());
          break;
        }
        const auto& h = batch.value().header;
        if (!batch::valid_name(h.host) || !batch::valid_name(h.category) || h.seq == 0) {
          reader.refuse(wire::Errc::kBadBatch,
                        "batch without a valid host, category and seq cannot be named");
          break;
        }
        // Refused alone: quarantined, and a marker committed in its place; the link and
        // every other host's batches on it go on. Nothing that fails here is written.
        std::string why;
        if (auto ec = deps.open_and_check(batch.value(), why)) {
          deps.refuse_batch(conn, std::move(batch).value(), static_cast<wire::Errc>(ec.value()),
                            broker + ": " + why, dc, pending_adds);
          break;
        }
        if (h.replay_id != 0 && !deps.accepts_replay(h.replay_id))
          break;  // cancelled or unknown: not written
        ++pending_adds->count;
        deps.add_batch(std::move(batch).value(), dc, conn, pending_adds);
        break;
      }
      case wire::FrameType::kReplayProgress: {
        auto p = wire::decode_replay_progress(frame.value().body);
        if (!p) {
          reader.refuse(wire::Errc::kMalformedBody, "bad REPLAY_PROGRESS");
          break;
        }
        deps.on_replay_progress(broker, p.value());
        break;
      }
      case wire::FrameType::kWatermark: {
        auto w = wire::decode_watermark(frame.value().body);
        if (!w) {
          reader.refuse(wire::Errc::kMalformedBody, "bad WATERMARK");
          break;
        }
        deps.add_watermark(w.value());
        break;
      }
      case wire::FrameType::kStatus: {
        auto st = wire::decode_status(frame.value().body);
        if (!st) {
          reader.refuse(wire::Errc::kMalformedBody, "bad STATUS");
          break;
        }
        if (st.value().host == broker) {
          // The broker's self-status: its stored backlog (docs/protocol.md §4.5).
          deps.dc_totals.set_broker_backlog(dc, broker, st.value(), deps.clock.now_ms());
        } else {
          deps.hosts.update(st.value(), dc, broker, deps.clock.now_ms());
        }
        break;
      }
      default:
        reader.refuse_unexpected(*frame, "brokers");
        break;
    }
  }
  deps.brokers_live.release(broker, conn.get());
  deps.on_broker_disconnected(broker, conn.get());
  spdlog::info("broker {} disconnected", broker);
}

}  // namespace ferry::consumer
