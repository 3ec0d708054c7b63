#pragma once
// Writes the agent's checkpoint on a worker thread, so the io thread keeps sending,
// acking and reading while the disk works: a write is two copies, each fsynced and
// renamed (3-20 ms each on a busy disk), and written inline it held the io thread about
// half of the time while lines streamed.
//
// The rule it keeps: a batch goes out only after a write that began after the batch was
// recorded has completed (checkpoint.h). Batches handed in while a write runs wait for
// the next one, which then covers all of them (group commit). One write at a time, so
// the two copies never have two writers. Batches are released in the order submitted.
//
// Used on the io thread; the worker touches only the prepared bytes.

#include <functional>
#include <optional>
#include <system_error>
#include <vector>

#include "agent/checkpoint/checkpoint.h"
#include "agent/send/inflight_window.h"
#include "common/net/asio.h"

namespace ferry::agent {

class CheckpointFlusher {
 public:
  using Batches = std::vector<send::InflightBatch>;
  using ReleaseFn = std::function<void(Batches)>;          // durable now: send them
  using FailFn = std::function<void(std::error_code ec)>;  // a write failed: stop

  CheckpointFlusher(asio::io_context& io, checkpoint::Checkpoint& checkpoint, ReleaseFn release,
                    FailFn fail);
  ~CheckpointFlusher();  // waits for a write in flight
  CheckpointFlusher(const CheckpointFlusher&) = delete;
  CheckpointFlusher& operator=(const CheckpointFlusher&) = delete;

  // Batches just recorded in the checkpoint.
  void submit(Batches batches);
  // A write even without batches (DELIVERED marks, positions); no-op when nothing changed.
  void request();
  // No write in flight and none waiting to start (or a write failed: none will).
  bool idle() const { return failed_ || (!writing_ && waiting_.empty() && !requested_); }
  // Batches submitted and not yet released.
  size_t unreleased() const { return waiting_.size() + in_write_.size(); }

 private:
  void start_write();
  void on_written(const checkpoint::Checkpoint::PreparedWrite& write, Result<void> result);

  asio::io_context& io_;
  checkpoint::Checkpoint& checkpoint_;
  ReleaseFn release_;
  FailFn fail_;
  asio::thread_pool worker_{1};
  Batches waiting_;   // recorded after the write in flight began
  Batches in_write_;  // covered by the write in flight
  bool writing_ = false;
  bool requested_ = false;
  bool failed_ = false;
};

}  // namespace ferry::agent
