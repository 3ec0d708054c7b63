#include "broker/consumer_link.h"

#include <spdlog/spdlog.h>

#include "broker/store/batch_id.h"
#include "common/log/printable.h"
#include "common/net/backoff.h"
#include "common/net/endpoint.h"
#include "common/net/heartbeat.h"
#include "common/net/hello_exchange.h"
#include "common/net/tls_server.h"
#include "common/storage/key_codec.h"

namespace ferry::broker {
namespace {

constexpr size_t kScanChunk = 256;
constexpr size_t kMaxQueuedBytes = 16u << 20;  // socket write queue before we wait
constexpr auto kFlushInterval = std::chrono::milliseconds(500);
// Replayed batches are queued only while the socket holds less than this: a live batch
// stored meanwhile waits behind at most this plus one replay page (1 MiB).
constexpr size_t kReplayQueueLimit = 256u << 10;

}  // namespace

ConsumerLink::ConsumerLink(ConsumerLinkDeps deps, std::string id, std::string address)
    : deps_(std::move(deps)),
      id_(std::move(id)),
      address_(std::move(address)),
      wake_(deps_.executor),
      replays_({deps_.store, deps_.store_pool, deps_.node_id, deps_.replay_rate_bytes,
                deps_.replay_window_bytes}),
      host_replays_({deps_.agents, deps_.hosts, deps_.clock, deps_.node_id}) {}

void ConsumerLink::start() { asio::co_spawn(deps_.executor, run(this), net::log_exception); }

void ConsumerLink::stop() {
  stopped_ = true;
  if (conn_) conn_->close();
  wake();
}

void ConsumerLink::wake() { wake_.cancel(); }

asio::awaitable<void> ConsumerLink::wait_wake(std::chrono::milliseconds max) {
  wake_.expires_after(max);
  boost::system::error_code ec;
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void ConsumerLink::queue_watermark(const wire::Watermark& w) {
  watermarks_[storage::stream_prefix(w.host, w.category, w.incarnation)] = w;
}

void ConsumerLink::queue_status(const wire::Status& s, const std::string& dc) {
  statuses_[s.host] = {s, dc};
}

asio::awaitable<void> ConsumerLink::run(ConsumerLink* self) {
  net::Backoff backoff(std::chrono::milliseconds(100), std::chrono::seconds(10));
  auto hp = net::parse_host_port(self->address_);
  if (!hp) {
    spdlog::error("forwarder: bad consumer address '{}'", self->address_);
    co_return;
  }
  while (!self->stopped_) {
    const auto context = self->deps_.tls_client.current();  // kept for this connection's life
    auto conn = co_await net::connect_tls(self->deps_.executor, *context, hp->host, hp->port,
                                          self->deps_.tuning, self->deps_.max_frame_bytes,
                                          std::chrono::seconds(10));
    if (conn) {
      backoff.reset();
      co_await self->serve(conn.value());
    } else {
      spdlog::warn("forwarder: cannot reach consumer {}: {}", self->address_,
                   conn.error().message());
    }
    if (self->stopped_) break;
    asio::steady_timer t(self->deps_.executor, backoff.next());
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> ConsumerLink::serve(std::shared_ptr<net::FrameConnection> conn) {
  net::HelloPolicy policy;
  policy.local = wire::Hello{wire::kProtocolVersion, wire::Role::kBroker, deps_.node_id, deps_.dc};
  policy.expected_peer_role = wire::Role::kConsumer;
  auto hello = co_await net::offer_hello(*conn, policy);
  if (!hello) co_return;
  spdlog::info("forwarder: connected to consumer {} ({})", hello.value().node_id, address_);

  // Everything not yet COMMITTED is resent on a new connection.
  conn_ = conn;
  sent_before_.insert(inflight_.begin(), inflight_.end());
  inflight_.clear();
  inflight_size_.clear();
  inflight_bytes_ = 0;
  cursor_.clear();
  pass_generation_ = 0;
  replays_.reset();
  asio::co_spawn(deps_.executor, read_acks(this, conn), net::log_exception);
  net::start_heartbeats(conn);  // the consumer closes links silent past its idle timeout

  auto last_flush = std::chrono::steady_clock::now() - kFlushInterval;
  while (conn->usable() && !stopped_) {
    if (std::chrono::steady_clock::now() - last_flush >= kFlushInterval) {
      flush_side_frames(*conn);
      last_flush = std::chrono::steady_clock::now();
    }
    if (conn->queued_bytes() >= kMaxQueuedBytes) {
      co_await conn->wait_writable(kMaxQueuedBytes / 2);
      continue;
    }
    bool idle = pump_once(*conn);
    // Replays yield to live traffic: they send only while the live window has room and
    // the socket has little queued, after the live pump had its turn.
    std::optional<std::chrono::milliseconds> replay_next;
    if (window_has_room() && conn->queued_bytes() < kReplayQueueLimit)
      replay_next = replays_.pump(*conn);
    if (!window_has_room()) {
      co_await wait_wake(kFlushInterval);
    } else if (idle) {
      co_await wait_wake(replay_next ? std::min(*replay_next, kFlushInterval) : kFlushInterval);
    }
  }
  if (conn_ == conn) conn_.reset();
  // A link stopped while it was connecting gets here with the connection open: close it,
  // or its heartbeats would hold the consumer's one slot for this broker for good.
  conn->close();
  spdlog::info("forwarder: connection to consumer {} closed", address_);
}

bool ConsumerLink::window_has_room() const {
  return inflight_.size() < deps_.window_batches && inflight_bytes_ < deps_.window_bytes;
}

bool ConsumerLink::pump_once(net::FrameConnection& conn) {
  if (!window_has_room()) return false;
  if (cursor_.empty()) {
    if (pass_generation_ == generation_) return true;  // nothing stored since the last full pass
    pass_generation_ = generation_;
  }
  store::ScanLimits limits;
  limits.max_batches = kScanChunk;
  auto page = deps_.store.scan_pending(cursor_, limits, [this](std::string_view key) {
    return inflight_.count(std::string(key)) > 0 || settling_.count(std::string(key)) > 0;
  });
  if (!page) {
    spdlog::error("forwarder: scanning pending batches failed: {}", page.error().message());
    return true;
  }
  for (auto& pending : page.value().batches) {
    cursor_ = pending.key;
    const auto& b = pending.frame;
    if (inflight_.count(pending.key) || settling_.count(pending.key) ||
        deps_.link_for(b.header.host, b.header.category) != this) {
      continue;
    }
    conn.send(wire::encode(b));
    if (sent_before_.erase(pending.key) > 0) ++resent_after_reconnect_;
    inflight_.insert(pending.key);
    inflight_size_[pending.key] = b.header.payload_size;
    inflight_bytes_ += b.header.payload_size;
    ++forwarded_batches_;
    if (!window_has_room() || conn.queued_bytes() >= kMaxQueuedBytes) return false;
  }
  if (page.value().end) cursor_.clear();  // next pass starts from the first key
  return false;
}

void ConsumerLink::settle(std::vector<wire::AckRange> ranges) {
  std::vector<std::string> settled;
  for (const auto& range : ranges) {
    // Bounded walk: a hostile range cannot make us loop for long.
    for (uint64_t seq = range.first_seq; seq <= range.last_seq && seq - range.first_seq < 1'000'000;
         ++seq) {
      auto key = storage::stream_seq_key(range.host, range.category, range.incarnation, seq);
      auto it = inflight_size_.find(key);
      if (it == inflight_size_.end()) continue;
      inflight_bytes_ -= it->second;
      inflight_size_.erase(it);
      inflight_.erase(key);
      sent_before_.erase(key);
      settling_.insert(key);
      settled.push_back(std::move(key));
      ++committed_batches_;
    }
  }
  // Moving batches to retention is a synced RocksDB write: done on the store pool, in
  // arrival order (one thread), then DELIVERED goes out from the io thread. Until the
  // move is durable the batches stay pending, so a crash here means a resend, not a loss.
  asio::post(deps_.store_pool, [this, ranges = std::move(ranges), settled = std::move(settled)] {
    auto moved = deps_.store.mark_committed(ranges, deps_.clock.now_ms());
    asio::post(
        deps_.executor, [this, moved = std::move(moved), settled = std::move(settled)]() mutable {
          // Out of pending now (or, on failure, to be sent again: the consumer acks it again).
          for (const auto& key : settled) settling_.erase(key);
          if (!moved) {
            spdlog::error("forwarder: recording COMMITTED failed: {}", moved.error().message());
            return;
          }
          deps_.on_committed(store::to_ack_ranges(std::move(moved).value()));
        });
  });
  wake();
}

void ConsumerLink::forget_moved() {
  for (auto it = inflight_size_.begin(); it != inflight_size_.end();) {
    std::string_view rest = it->first;
    const auto host = storage::take_name(rest);
    const auto category = storage::take_name(rest);
    if (deps_.link_for(host, category) == this) {
      ++it;
      continue;
    }
    inflight_bytes_ -= it->second;
    inflight_.erase(it->first);
    sent_before_.erase(it->first);
    it = inflight_size_.erase(it);
  }
  for (auto it = watermarks_.begin(); it != watermarks_.end();) {
    it = deps_.link_for(it->second.host, it->second.category) == this ? std::next(it)
                                                                      : watermarks_.erase(it);
  }
  mark_dirty();
}

void ConsumerLink::flush_side_frames(net::FrameConnection& conn) {
  for (const auto& [key, w] : watermarks_) conn.send(wire::encode(w));
  watermarks_.clear();
  for (const auto& [host, s] : statuses_) conn.send(wire::encode(s.first));
  statuses_.clear();
  replays_.flush_progress(conn);
  host_replays_.flush_progress(conn);
}

asio::awaitable<void> ConsumerLink::read_acks(ConsumerLink* self,
                                              std::shared_ptr<net::FrameConnection> conn) {
  while (conn->usable()) {
    auto frame = co_await conn->read_frame_or_fail();
    if (!frame) break;
    if (frame.value().type == wire::FrameType::kCommitted) {
      auto ack = wire::decode_ack(frame.value().body);
      if (!ack) {
        conn->fail(wire::Errc::kMalformedBody, "bad COMMITTED");
        break;
      }
      self->settle(std::move(ack).value().ranges);
    } else if (frame.value().type == wire::FrameType::kReplay) {
      auto req = wire::decode_replay_request(frame.value().body);
      if (!req) {
        conn->fail(wire::Errc::kMalformedBody, "bad REPLAY: " + req.error().message());
        break;
      }
      if (req.value().source == wire::ReplaySource::kHosts) {
        self->host_replays_.on_request(req.value());
      } else {
        self->replays_.on_request(req.value(), *conn);
      }
      self->wake();
    } else if (frame.value().type == wire::FrameType::kReplayCommitted) {
      auto ack = wire::decode_replay_committed(frame.value().body);
      if (!ack) {
        conn->fail(wire::Errc::kMalformedBody, "bad REPLAY_COMMITTED");
        break;
      }
      if (self->host_replays_.knows(ack.value().replay_id)) {
        self->host_replays_.on_committed(ack.value());
      } else {
        self->replays_.on_committed(ack.value());
      }
      self->wake();
    } else if (frame.value().type == wire::FrameType::kHeartbeat) {
      continue;
    } else if (frame.value().type == wire::FrameType::kError) {
      auto e = wire::decode_error(frame.value().body);
      spdlog::warn("consumer {} sent ERROR: {}", self->address_,
                   log::printable(e ? e.value().text : "(malformed)"));
      conn->close();
    } else {
      conn->fail(
          wire::Errc::kProtocolViolation,
          std::string(wire::frame_type_name(frame.value().type)) + " is not sent by consumers");
    }
  }
  self->wake();
}

}  // namespace ferry::broker
