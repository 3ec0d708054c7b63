// ConsumerApp: what its broker sessions (broker_session.h) use of it.
#include "consumer/consumer_app.h"

namespace ferry::consumer {

BrokerSessionDeps ConsumerApp::broker_session_deps() {
  using Conn = std::shared_ptr<net::FrameConnection>;
  return BrokerSessionDeps{
      .node_id = config_.node_id,
      .allowed_brokers = config_.allowed_brokers,
      .max_pending_adds = config_.max_pending_adds,
      .clock = clock_,
      .brokers_live = brokers_live_,
      .hosts = hosts_,
      .dc_totals = dc_totals_,
      .open_and_check = [this](wire::BatchFrame& batch,
                               std::string& why) { return open_and_check(batch, why); },
      .add_batch =
          [this](wire::BatchFrame batch, const std::string& dc,
                 std::weak_ptr<net::FrameConnection> conn,
                 std::shared_ptr<PendingAdds> pending_adds) {
            add_batch(std::move(batch), dc, std::move(conn), std::move(pending_adds));
          },
      .refuse_batch =
          [this](std::weak_ptr<net::FrameConnection> conn, wire::BatchFrame batch, wire::Errc code,
                 std::string why, const std::string& dc,
                 std::shared_ptr<PendingAdds> pending_adds) {
            refuse_batch(std::move(conn), std::move(batch), code, std::move(why), dc,
                         std::move(pending_adds));
          },
      .add_watermark = [this](const wire::Watermark& w) { add_watermark(w); },
      .on_broker_connected = [this](const std::string& broker, const std::string& dc,
                                    Conn conn) { replays_->on_broker_connected(broker, dc, conn); },
      .on_broker_disconnected =
          [this](const std::string& broker, const net::FrameConnection* conn) {
            replays_->on_broker_disconnected(broker, conn);
          },
      .on_replay_progress =
          [this](const std::string& broker, const wire::ReplayProgress& p) {
            replays_->on_progress(broker, p);
          },
      .accepts_replay = [this](uint64_t replay_id) { return replays_->accepts(replay_id); },
  };
}

std::error_code ConsumerApp::open_and_check(wire::BatchFrame& batch, std::string& why) {
  if (auto ec = open_sealed(batch, why)) {
    why = "cannot open: " + why;
    return ec;
  }
  return checker_.check(batch, now_ms(), why);
}

}  // namespace ferry::consumer
