#pragma once
// The broker's link to one consumer: connects with backoff and jitter, exchanges HELLO,
// then streams every pending batch of the streams the Forwarder routes to it from
// RocksDB with a deep window in flight (bounded by count and bytes), never
// stop-and-wait. After a reconnect it resends everything not yet COMMITTED: the consumer
// deduplicates. COMMITTED frees window space and moves the batches to retention
// (settle). Pending batches live in RocksDB, not here: a consumer that is away for hours
// costs disk, not memory. WATERMARK and STATUS frames from agents are kept
// latest-per-stream / per-host and flushed to the consumer every flush interval.
//
// Runs on the broker's io thread.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "broker/consumer_link_deps.h"
#include "broker/host_replay_relay.h"
#include "broker/replay_sender.h"
#include "common/net/asio.h"
#include "common/net/frame_connection.h"
#include "common/wire/messages.h"

namespace ferry::broker {

class ConsumerLink {
 public:
  // `id`: the consumer's ZooKeeper id; empty for a static address.
  ConsumerLink(ConsumerLinkDeps deps, std::string id, std::string address);

  void start();
  void stop();
  void wake();  // new pending data or window space
  void mark_dirty() {
    ++generation_;
    wake();
  }

  void queue_watermark(const wire::Watermark& w);
  void queue_status(const wire::Status& s, const std::string& dc);

  bool connected() const { return conn_ && conn_->usable(); }
  size_t inflight_batches() const { return inflight_.size(); }
  uint64_t inflight_bytes() const { return inflight_bytes_; }
  const std::string& address() const { return address_; }
  const std::string& id() const { return id_; }
  // A static link found in ZooKeeper under `id` (same address): kept, not reconnected.
  void adopt_id(std::string id) { id_ = std::move(id); }
  // Drops from the window what this link no longer routes (a membership change).
  void forget_moved();
  uint64_t forwarded_batches() const { return forwarded_batches_; }
  uint64_t committed_batches() const { return committed_batches_; }
  uint64_t resent_after_reconnect() const { return resent_after_reconnect_; }
  const ReplaySender& replays() const { return replays_; }
  HostReplayRelay& host_replays() { return host_replays_; }
  const HostReplayRelay& host_replays() const { return host_replays_; }
  // A batch an agent re-read for a replay from hosts this link's consumer asked for
  // (dropped while disconnected: the consumer asks again on reconnect).
  void send_replayed(const std::string& frame) {
    if (connected()) conn_->send(frame);
  }

 private:
  static asio::awaitable<void> run(ConsumerLink* self);
  asio::awaitable<void> serve(std::shared_ptr<net::FrameConnection> conn);
  static asio::awaitable<void> read_acks(ConsumerLink* self,
                                         std::shared_ptr<net::FrameConnection> conn);
  asio::awaitable<void> wait_wake(std::chrono::milliseconds max);
  // Sends pending batches while the window has room. Returns true when a whole pass
  // over the store found nothing new.
  bool pump_once(net::FrameConnection& conn);
  void flush_side_frames(net::FrameConnection& conn);
  // COMMITTED: frees window space and moves the batches to retention.
  void settle(std::vector<wire::AckRange> ranges);
  bool window_has_room() const;

  ConsumerLinkDeps deps_;
  std::string id_;
  std::string address_;
  bool stopped_ = false;
  std::shared_ptr<net::FrameConnection> conn_;
  asio::steady_timer wake_;
  std::set<std::string> inflight_;  // stream_seq keys sent and not yet COMMITTED
  // COMMITTED, but still in the store's pending set until mark_committed lands: a scan
  // must not send them again.
  std::set<std::string> settling_;
  // Sent on an earlier connection that ended before their COMMITTED: sending one again
  // is a resend caused by the reconnect (counted).
  std::set<std::string> sent_before_;
  uint64_t resent_after_reconnect_ = 0;
  std::map<std::string, uint32_t> inflight_size_;
  uint64_t inflight_bytes_ = 0;
  std::string cursor_;
  uint64_t generation_ = 1;
  uint64_t pass_generation_ = 0;
  std::map<std::string, wire::Watermark> watermarks_;                     // by stream
  std::map<std::string, std::pair<wire::Status, std::string>> statuses_;  // by host
  uint64_t forwarded_batches_ = 0;
  uint64_t committed_batches_ = 0;
  ReplaySender replays_;          // replays the consumer on this link asked for
  HostReplayRelay host_replays_;  // the same, from the hosts' files
};

}  // namespace ferry::broker
