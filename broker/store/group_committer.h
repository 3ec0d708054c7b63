#pragma once
// Group commit for ingest: one writer thread drains a queue of submitted batches and
// stores everything queued since its last write with one synced RocksDB write
// (BatchStore::store_group), so one fsync covers the batches of every connection that
// arrived meanwhile. Then it completes each submitter's callback.
//
// Threading: submit() may be called from any thread. Callbacks run on the writer
// thread; the watermark listener runs on the submitting thread when the queue goes over
// the high watermark and on the writer thread when it drains. Both must be quick and
// must not block on the committer (post to the caller's strand instead); never call
// stop() from them.
//
// Done means: a callback receiving kStored is called only after the WAL sync that holds
// the batch (or an earlier one) returned, so STORED may be sent. kDelivered: the batch
// was already committed downstream. An error: nothing is promised; the agent resends.
//
// Memory: the queue is bounded by max_queue_bytes of payload; submit() refuses beyond it.
// Callers stop reading from agents while over_high_watermark(), and resume when the
// listener reports the queue back under the low watermark.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "broker/store/batch_store.h"
#include "common/base/result.h"
#include "common/wire/messages.h"

namespace ferry::broker::store {

struct GroupCommitterOptions {
  uint64_t max_queue_bytes = 256u << 20;
  uint64_t high_watermark_bytes = 64u << 20;
  uint64_t low_watermark_bytes = 32u << 20;
  size_t max_group_batches = 4096;
  uint64_t max_group_bytes = 32u << 20;
};

struct GroupCommitterStats {
  uint64_t groups = 0;  // store_group calls
  uint64_t syncs = 0;   // groups that wrote (each one fsync)
  uint64_t submitted = 0;
  uint64_t written = 0;     // batches newly stored
  uint64_t duplicates = 0;  // kStored without a write (already pending or repeated in group)
  uint64_t delivered = 0;   // kDelivered
  uint64_t failed = 0;
};

class GroupCommitter {
 public:
  using Callback = std::function<void(Result<SubmitOutcome>)>;
  // Called with true when the queue reaches the high watermark, false when it drains to
  // the low one; calls are serialized and the last one always states the current truth.
  using WatermarkListener = std::function<void(bool over_high)>;

  // Starts the writer thread. `store` must outlive this object.
  explicit GroupCommitter(BatchStore& store, GroupCommitterOptions options = {},
                          WatermarkListener listener = {});
  // stop(), then joins.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues the batch; `done` is called once, later, on the writer thread. Fails at once
  // (and never calls `done`) when the queue is full (errc::resource_unavailable_try_again)
  // or the committer is stopping (errc::operation_canceled).
  Result<void> submit(wire::BatchFrame frame, Callback done);

  // Refuses new submissions, completes everything already queued, joins the writer.
  void stop();

  bool over_high_watermark() const;
  uint64_t queued_bytes() const;
  GroupCommitterStats stats() const;

 private:
  struct Item {
    wire::BatchFrame frame;
    Callback done;
  };

  void run();
  void notify_watermark();
  void complete(std::vector<Item>& group, std::vector<Result<SubmitOutcome>>& results,
                size_t written);

  BatchStore& store_;
  GroupCommitterOptions options_;
  WatermarkListener listener_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  uint64_t queued_bytes_ = 0;  // payload bytes queued or being written
  bool over_high_ = false;
  bool stopping_ = false;

  std::mutex listener_mu_;
  bool reported_over_ = false;  // under listener_mu_

  std::atomic<uint64_t> groups_{0}, syncs_{0}, submitted_{0}, written_{0}, duplicates_{0},
      delivered_{0}, failed_{0};
  std::thread writer_;
};

}  // namespace ferry::broker::store
