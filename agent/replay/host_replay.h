#pragma once
// Replay from the host's own files (`ferryctl replay start --source hosts`, DESIGN §7).
//
// The broker relays a consumer's REPLAY to the agent. For each selected source the agent
// takes a snapshot of the files its globs match (current and rotated: path, dev, ino and
// size), persisted in <state_dir>/replays/<id>.json before anything is sent, then reads
// them in that order up to those sizes and cuts the lines whose event time falls in
// [from, to) into batches: by the live rules (max bytes, one hour, one contiguous range
// of one file), numbered from 1 per category in a seq space of the replay's own (the
// header carries the replay id; live seqs, dedup and the checkpoint are untouched).
// Files the index of live batches (file_hours.h) says held part of the range and that
// are no longer there are reported missing, by name, when the replay starts.
//
// Cutting is a pure function of the snapshot, so a restart (of the agent, or a REPLAY
// start again after a reconnect anywhere on the path) rewinds to the start and cuts the
// same batches with the same seqs: the consumer's per-replay dedup drops what it already
// committed, and each line lands once. Sending is paced (rate, window of unacked bytes);
// REPLAY_COMMITTED relayed by the broker frees the window. Done = every file read and
// every batch acked.
//
// Runs on the agent's io thread; not thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/batch_encoder.h"
#include "agent/file_hours.h"
#include "common/base/clock.h"
#include "common/wire/replay_messages.h"

namespace ferry::agent::replay {

struct HostReplayOptions {
  std::string host;
  std::string state_dir;  // the snapshots live in <state_dir>/replays/
  size_t batch_max_bytes = 1u << 20;
  size_t max_event_bytes = 64u << 10;
  uint64_t default_rate_bytes = 8u << 20;  // when the request names none
  uint64_t window_bytes = 4u << 20;        // sent and not yet REPLAY_COMMITTED
};

class HostReplays {
 public:
  using SendFn = std::function<void(std::string frame)>;

  HostReplays(HostReplayOptions options, const std::vector<SourceConfig>& sources,
              const FileHours& hours, BatchEncoder& encoder, const Clock& clock, SendFn send);
  ~HostReplays();

  // REPLAY relayed by the broker: start (or rewind a running replay to its start), or cancel.
  void on_request(const wire::ReplayRequest& req);
  void on_committed(const wire::ReplayCommitted& ack);
  // The connection to the broker ended: running replays start over (what was in flight
  // may be lost).
  void on_disconnected();
  // Sends what the window and rate allow. nullopt: nothing to do until a frame arrives;
  // else how long until more may be sent.
  std::optional<std::chrono::milliseconds> pump();
  // REPLAY_PROGRESS of every job that changed (all of them with `all`).
  void report(bool all);
  bool active() const;

  struct Job;  // replay_job_record.h

 private:
  Job* load_or_create(const wire::ReplayRequest& req);
  void finish_if_done(Job& job);
  void rewind_job(Job& job);
  // Snapshots of replays that began more than 8 days ago are removed at start.
  void forget_old_snapshots();

  HostReplayOptions options_;
  const std::vector<SourceConfig>& sources_;
  const FileHours& hours_;
  BatchEncoder& encoder_;
  const Clock& clock_;
  SendFn send_;
  std::map<uint64_t, std::unique_ptr<Job>> jobs_;
};

}  // namespace ferry::agent::replay
