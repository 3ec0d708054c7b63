#pragma once
// The agent process: tails its sources, cuts batches, makes each batch's
// seq -> (file, range) durable in the checkpoint BEFORE sending it, keeps it in the
// in-flight window until DELIVERED, and reports STATUS and WATERMARK.
//
// Threading: one io thread runs everything (tailing, batching, the broker link). File
// reads are small preads; the checkpoint fsync happens once per pump pass that cut
// batches, not once per batch.
//
// Restart: unacked batches are re-read from the files with their original seq and byte
// range and resent; reading resumes after the last recorded batch of each file.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/batch_encode_worker.h"
#include "agent/batch_encoder.h"
#include "agent/checkpoint/checkpoint.h"
#include "agent/checkpoint/state_dir_lock.h"
#include "agent/checkpoint_flusher.h"
#include "agent/pump_waker.h"
#include "agent/replay/host_replay.h"
#include "agent/send/broker_discovery.h"
#include "agent/send/broker_link.h"
#include "agent/send/inflight_window.h"
#include "agent/stream_batcher.h"
#include "common/app/hangup_handler.h"
#include "common/base/clock.h"
#include "common/http/http_server.h"
#include "common/metrics/registry.h"
#include "common/net/asio.h"
#include "common/wire/messages.h"

namespace ferry::agent {

class AgentApp {
 public:
  explicit AgentApp(AgentConfig config, const Clock& clock = SystemClock::instance());
  ~AgentApp();

  // SIGHUP: set up by main before start() (the config file to re-read).
  app::HangupHandler& hangup() { return hangup_; }
  // Loads the checkpoint, re-reads unacked batches, starts watching. Throws
  // std::runtime_error with an operator-facing message.
  void start();
  int run();
  void stop();

 private:
  static asio::awaitable<void> pump_loop(AgentApp* self);
  static asio::awaitable<void> status_loop(AgentApp* self);
  // Replays from this host's files (replay/host_replay.h): paced, behind live batches.
  static asio::awaitable<void> replay_loop(AgentApp* self);
  void on_replay_frame(const wire::Frame& frame);
  // Reads and batches while the window has room; returns true if it read anything.
  bool pump_once();
  // How long an idle pump may sleep: until the next safety poll, linger cut or stop
  // deadline (inotify and wake() end it sooner).
  std::chrono::milliseconds idle_wait() const;
  // Stops the agent if a batch could not be cut (`ok` false).
  void stop_unless(bool ok);
  void send_cut_batches();
  // The batches of a checkpoint write that completed: out to the broker, into the window.
  void send_durable(std::vector<send::InflightBatch> batches);
  void on_delivered(std::vector<send::InflightBatch> batches);
  void on_refused(std::vector<send::InflightBatch> batches, const wire::Refusal& refusal);
  void send_status();
  // /metrics and /healthz on config_.http_listen, if set.
  void setup_http();

  AgentConfig config_;
  const Clock& clock_;
  std::optional<checkpoint::StateDirLock> state_lock_;  // held until the process exits
  asio::io_context io_{1};
  PumpWaker waker_{io_};
  asio::signal_set signals_{io_, SIGINT, SIGTERM};
  app::HangupHandler hangup_{io_};
  std::shared_ptr<tls::ContextSource> tls_;  // reloaded on SIGHUP
  std::unique_ptr<checkpoint::Checkpoint> checkpoint_;
  std::unique_ptr<CheckpointFlusher> flusher_;        // writes checkpoint_ off the io thread
  std::unique_ptr<BatchEncoder> encoder_;             // resends and replays, on the io thread
  std::unique_ptr<BatchEncodeWorker> encode_worker_;  // cut batches, hands them to flusher_
  std::map<std::string, StreamBatcher> streams_;
  send::InflightWindow window_;
  std::unique_ptr<send::BrokerLink> link_;
  std::unique_ptr<FileHours> file_hours_;  // which file held which times, for replays
  std::unique_ptr<replay::HostReplays> replays_;
  asio::steady_timer replay_wake_{io_};
  std::unique_ptr<send::BrokerDiscovery> discovery_;  // with [zookeeper] only
  metrics::Registry metrics_;
  std::unique_ptr<http::HttpServer> http_;
  StreamBatcher::Outbox cut_;  // recorded this pass, handed to encode_worker_ at its end
  bool stopping_ = false;
  TimeMs stop_deadline_ms_ = 0;
  TimeMs last_poll_ms_ = 0;
  bool window_full_ = false;  // the last pass stopped reading for want of window room
};

}  // namespace ferry::agent
