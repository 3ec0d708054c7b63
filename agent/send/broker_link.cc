#include "agent/send/broker_link.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/log/printable.h"
#include "common/net/backoff.h"
#include "common/net/endpoint.h"
#include "common/net/heartbeat.h"
#include "common/net/hello_exchange.h"
#include "common/net/tls_server.h"

namespace ferry::agent::send {

BrokerLink::BrokerLink(asio::any_io_executor executor, tls::ContextSource& tls,
                       BrokerLinkOptions options, InflightWindow& window, DeliveredFn on_delivered,
                       RefusedFn on_refused)
    : executor_(executor),
      tls_(tls),
      options_(std::move(options)),
      window_(window),
      on_delivered_(std::move(on_delivered)),
      on_refused_(std::move(on_refused)),
      sleep_(std::make_unique<asio::steady_timer>(executor)) {}

void BrokerLink::start() { asio::co_spawn(executor_, run(this), net::log_exception); }

void BrokerLink::stop() {
  stopped_ = true;
  if (conn_) conn_->close();
  sleep_->cancel();
}

void BrokerLink::set_brokers(std::vector<std::string> brokers) {
  if (brokers == options_.brokers) return;
  options_.brokers = std::move(brokers);
  next_ = 0;
  const bool listed = std::find(options_.brokers.begin(), options_.brokers.end(), current_) !=
                      options_.brokers.end();
  if (!current_.empty() && !listed && conn_) {
    spdlog::warn("broker {} left the membership; failing over", current_);
    conn_->close();
  }
  sleep_->cancel();  // a link waiting for any broker at all dials now
}

void BrokerLink::send_batch(const InflightBatch& batch) {
  if (connected()) conn_->send(batch.frame);
}

void BrokerLink::send_side(std::string frame) {
  if (connected()) conn_->send(std::move(frame));
}

void BrokerLink::when_unsent_below(size_t low, std::function<void()> fn) {
  if (unsent_bytes() < low) return fn();
  unsent_low_ = low;
  on_unsent_below_ = std::move(fn);
  if (unsent_waiter_) return;  // the one waiting already calls the newest fn
  unsent_waiter_ = true;
  asio::co_spawn(
      executor_,
      [](BrokerLink* self, std::shared_ptr<net::FrameConnection> conn) -> asio::awaitable<void> {
        co_await conn->wait_writable(self->unsent_low_);
        self->unsent_waiter_ = false;
        if (auto fn = std::exchange(self->on_unsent_below_, nullptr)) fn();
      }(this, conn_),
      net::log_exception);
}

asio::awaitable<void> BrokerLink::run(BrokerLink* self) {
  net::Backoff backoff(self->options_.backoff_initial, self->options_.backoff_max);
  while (!self->stopped_) {
    if (self->options_.brokers.empty()) {  // discovery has found none yet
      self->sleep_->expires_after(self->options_.backoff_max);
      boost::system::error_code ec;
      co_await self->sleep_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const std::string address = self->options_.brokers[self->next_ % self->options_.brokers.size()];
    auto hp = net::parse_host_port(address);
    if (hp) {
      const auto context = self->tls_.current();  // kept for this connection's life
      auto conn = co_await net::connect_tls(self->executor_, *context, hp->host, hp->port,
                                            self->options_.tuning, self->options_.max_frame_bytes,
                                            self->options_.connect_timeout);
      if (conn) {
        self->current_ = address;
        auto started = std::chrono::steady_clock::now();
        co_await self->serve(conn.value());
        self->current_.clear();
        // A connection that lived a while was healthy: retry promptly, same broker first.
        if (std::chrono::steady_clock::now() - started > std::chrono::seconds(5)) {
          backoff.reset();
          if (!self->stopped_) continue;
        }
      } else {
        spdlog::warn("broker {} unreachable: {}", address, conn.error().message());
      }
    } else {
      spdlog::error("bad broker address '{}'", address);
    }
    if (self->stopped_) break;
    ++self->next_;  // fail over to the next broker
    self->sleep_->expires_after(backoff.next());
    boost::system::error_code ec;
    co_await self->sleep_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> BrokerLink::serve(std::shared_ptr<net::FrameConnection> conn) {
  net::HelloPolicy policy;
  policy.local =
      wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, options_.host, options_.dc};
  policy.expected_peer_role = wire::Role::kBroker;
  policy.required_peer_dc = options_.dc;
  auto hello = co_await net::offer_hello(*conn, policy);
  if (!hello) co_return;
  ++reconnects_;
  spdlog::info("connected to broker {} ({}); resending {} unacked batches", hello.value().node_id,
               conn->remote(), window_.size());
  conn_ = conn;
  net::start_heartbeats(conn);  // the broker closes links silent past its idle timeout
  window_.for_each([&](const InflightBatch& b) { conn->send(b.frame); });

  while (conn->usable()) {
    auto frame = co_await conn->read_frame_or_fail();
    if (!frame) {
      spdlog::warn("broker connection lost: {}", frame.error().message());
      break;
    }
    switch (frame.value().type) {
      case wire::FrameType::kStored:
      case wire::FrameType::kDelivered: {
        auto ack = wire::decode_ack(frame.value().body);
        if (!ack) {
          conn->fail(wire::Errc::kMalformedBody, "bad ack");
          break;
        }
        if (frame.value().type == wire::FrameType::kStored) {
          window_.mark_stored(ack.value().ranges);
        } else {
          auto delivered = window_.take_delivered(ack.value().ranges);
          if (!delivered.empty()) on_delivered_(std::move(delivered));
        }
        break;
      }
      case wire::FrameType::kRefused: {
        auto refusal = wire::decode_refusal(frame.value().body);
        if (!refusal) {
          conn->fail(wire::Errc::kMalformedBody, "bad REFUSED");
          break;
        }
        auto refused = window_.take_delivered({refusal.value().batch});
        if (!refused.empty()) on_refused_(std::move(refused), refusal.value());
        break;
      }
      case wire::FrameType::kReplay:
      case wire::FrameType::kReplayCommitted:
        if (on_replay_frame_) on_replay_frame_(frame.value());
        break;
      case wire::FrameType::kHeartbeat:
        break;
      case wire::FrameType::kError: {
        auto e = wire::decode_error(frame.value().body);
        spdlog::error("broker refused us: {}",
                      log::printable(e ? e.value().text : "(malformed ERROR)"));
        conn->close();
        break;
      }
      default:
        conn->fail(
            wire::Errc::kProtocolViolation,
            std::string(wire::frame_type_name(frame.value().type)) + " is not sent by brokers");
        break;
    }
  }
  if (conn_ == conn) conn_.reset();
  if (on_disconnected_) on_disconnected_();
}

}  // namespace ferry::agent::send
