#include "broker/agent_session.h"

#include <set>

#include <spdlog/spdlog.h>

#include "common/batch/batch_header.h"
#include "common/log/printable.h"
#include "common/net/hello_exchange.h"
#include "common/net/session_reader.h"
#include "common/wire/messages.h"
#include "common/wire/replay_messages.h"

namespace ferry::broker {
namespace {

struct SessionState {
  std::string host;
  std::set<std::string> categories;  // bounded by max_categories_per_host
  uint32_t pending_submits = 0;      // batches handed to the group commit, not yet answered
};

// A category already seen, or room for one more.
bool admit_category(SessionState& s, const std::string& category, uint32_t limit) {
  if (s.categories.count(category) != 0) return true;
  if (s.categories.size() >= limit) return false;
  s.categories.insert(category);
  return true;
}

std::string too_many_categories(uint32_t limit) {
  return "more than max_categories_per_host (" + std::to_string(limit) +
         ") categories on one connection";
}

}  // namespace

asio::awaitable<void> run_agent_session(const AgentSessionDeps& deps,
                                        std::shared_ptr<net::FrameConnection> conn) {
  net::HelloPolicy policy;
  policy.local = wire::Hello{wire::kProtocolVersion, wire::Role::kBroker, deps.node_id, deps.dc};
  policy.expected_peer_role = wire::Role::kAgent;
  policy.required_peer_dc = deps.dc;
  auto hello = co_await net::accept_hello(*conn, policy);
  if (!hello) co_return;

  if (hello.value().node_id == deps.node_id) {
    // The broker's own name is its self-status's host (docs/protocol.md §4.5).
    net::refuse_peer(*conn, "agent " + hello.value().node_id, wire::Errc::kIdentityMismatch,
                     "an agent may not use this broker's node id as its host name");
    co_return;
  }
  auto state = std::make_shared<SessionState>();
  state->host = hello.value().node_id;
  const std::string& host = state->host;
  std::string holder;
  if (!deps.agents_live.claim(host, conn, holder)) {
    net::refuse_peer(*conn, "agent " + host, wire::Errc::kIdentityMismatch,
                     "host " + host + " already has a live connection from " + holder);
    co_return;
  }
  spdlog::info("agent {} connected from {}", host, conn->remote());
  deps.attach_acks(host, conn);
  deps.on_agent_connected(host);  // a replay from hosts running asks it too
  deps.hosts.set_connected(host, deps.dc, deps.node_id, true, deps.clock.now_ms());
  deps.agent_connected(+1);

  auto executor = conn->executor();
  net::SessionReader reader(
      *conn, "agent " + host, [&deps] { return deps.clock.now_ms(); }, deps.hold_recheck);
  auto wake_reader = reader.waker();
  // Backpressure: no frame is read while the ingest gate is closed (disk budget, group
  // commit behind) or this agent has too many batches awaiting durability. An answered
  // submit and the gate reopening wake the reader. Acks and forwarding go on meanwhile.
  auto gate_waker = deps.ingest.on_reopen(wake_reader);
  auto hold = [&] {
    return deps.ingest.closed() || state->pending_submits >= deps.max_pending_submits;
  };
  while (auto frame = co_await reader.next(hold)) {
    switch (frame.value().type) {
      case wire::FrameType::kBatch: {
        auto batch = wire::decode_batch_fields(frame.value().body);
        if (!batch) {
          reader.refuse(static_cast<wire::Errc>(batch.error().value()),
                        "bad BATCH: " + batch.error().message());
          break;
        }
        auto& b = batch.value();
        if (b.header.host != host) {
          reader.refuse(wire::Errc::kIdentityMismatch, "batch names host '" + b.header.host +
                                                           "' on a connection of '" + host + "'");
          break;
        }
        if (!batch::valid_name(b.header.category) || b.header.seq == 0) {
          reader.refuse(wire::Errc::kBadBatch,
                        "batch without a valid category and seq cannot be named");
          break;
        }
        if (!admit_category(*state, b.header.category, deps.max_categories_per_host)) {
          reader.refuse(wire::Errc::kOverloaded, too_many_categories(deps.max_categories_per_host));
          break;
        }
        if (b.header.replay_id != 0) {
          // Re-read from the host's files for a replay: straight on to the consumer that
          // asked, never stored; the agent resends what a broken link lost.
          std::string why;
          if (auto ec = deps.checker.check(b, deps.clock.now_ms(), why)) {
            spdlog::warn("agent {}: replayed batch {}/{} of replay {} dropped: {}", host,
                         b.header.category, b.header.seq, b.header.replay_id, log::printable(why));
          } else if (!deps.relay_replayed_batch(b.header.replay_id, wire::encode(b))) {
            spdlog::debug("agent {}: batch of replay {}, which no consumer link runs: dropped",
                          host, b.header.replay_id);
          }
          break;
        }
        // One bad batch is refused alone: quarantined and answered REFUSED, the
        // connection goes on (DESIGN §2.6).
        std::string why;
        if (auto ec = deps.checker.check(b, deps.clock.now_ms(), why)) {
          deps.refuse_batch(conn, std::move(b), static_cast<wire::Errc>(ec.value()),
                            std::move(why));
          break;
        }
        wire::AckRange range{b.header.host, b.header.category, b.header.seq, b.header.seq,
                             b.header.incarnation};
        deps.batch_received(b.payload.size());
        ++state->pending_submits;
        std::weak_ptr<net::FrameConnection> weak = conn;
        auto submitted =
            deps.submit(std::move(b), [&deps, weak, state, range, executor,
                                       wake_reader](Result<store::SubmitOutcome> outcome) {
              // Completion runs on the committer's thread; acks go out on the io thread.
              asio::post(executor, [&deps, weak, state, range, outcome, wake_reader] {
                --state->pending_submits;
                wake_reader();
                auto c = weak.lock();
                if (!outcome) {
                  spdlog::error("store failed for {}/{}/{}: {}", range.host, range.category,
                                range.first_seq, outcome.error().message());
                  if (c)
                    c->fail(wire::Errc::kInternal,
                            "store write failed: " + outcome.error().message());
                  return;
                }
                deps.on_stored(range, outcome.value());
                if (!c) return;  // the agent will resend and learn the state then
                auto type = outcome.value() == store::SubmitOutcome::kDelivered
                                ? wire::FrameType::kDelivered
                                : wire::FrameType::kStored;
                c->send(wire::encode(type, wire::Ack{{range}}));
              });
            });
        if (!submitted) {
          // Queue full or stopping: the callback will not run. The agent resends after
          // reconnecting, so closing is safe.
          --state->pending_submits;
          reader.refuse(wire::Errc::kOverloaded,
                        "broker store queue refused the batch: " + submitted.error().message());
        }
        break;
      }
      case wire::FrameType::kWatermark: {
        auto w = wire::decode_watermark(frame.value().body);
        if (!w || w.value().host != host) {
          reader.refuse(w ? wire::Errc::kIdentityMismatch : wire::Errc::kMalformedBody,
                        "bad WATERMARK");
          break;
        }
        if (!admit_category(*state, w.value().category, deps.max_categories_per_host)) {
          reader.refuse(wire::Errc::kOverloaded, too_many_categories(deps.max_categories_per_host));
          break;
        }
        deps.forward_watermark(w.value());
        break;
      }
      case wire::FrameType::kStatus: {
        auto st = wire::decode_status(frame.value().body);
        if (!st || st.value().host != host) {
          reader.refuse(st ? wire::Errc::kIdentityMismatch : wire::Errc::kMalformedBody,
                        "bad STATUS");
          break;
        }
        deps.hosts.update(st.value(), deps.dc, deps.node_id, deps.clock.now_ms());
        deps.hosts.set_connected(host, deps.dc, deps.node_id, true, deps.clock.now_ms());
        deps.forward_status(st.value());
        break;
      }
      case wire::FrameType::kReplayProgress: {
        auto p = wire::decode_replay_progress(frame.value().body);
        if (!p) {
          reader.refuse(wire::Errc::kMalformedBody, "bad REPLAY_PROGRESS: " + p.error().message());
          break;
        }
        for (const auto& s : p.value().streams) {
          if (s.host != host) {
            reader.refuse(wire::Errc::kIdentityMismatch,
                          "REPLAY_PROGRESS names host '" + s.host + "'");
            break;
          }
        }
        if (conn->usable()) deps.on_replay_progress(host, p.value());
        break;
      }
      default:
        reader.refuse_unexpected(*frame, "agents");
        break;
    }
  }
  deps.agents_live.release(host, conn.get());
  deps.detach_acks(host, conn.get());
  deps.hosts.set_connected(host, deps.dc, deps.node_id, false, deps.clock.now_ms());
  deps.agent_connected(-1);
  spdlog::info("agent {} disconnected", host);
}

}  // namespace ferry::broker
