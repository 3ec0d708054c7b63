#include "broker/store/group_committer.h"

#include <algorithm>
#include <vector>

#include "common/base/crash_point.h"

namespace ferry::broker::store {

GroupCommitter::GroupCommitter(BatchStore& store, GroupCommitterOptions options,
                               WatermarkListener listener)
    : store_(store), options_(options), listener_(std::move(listener)) {
  writer_ = std::thread([this] { run(); });
}

GroupCommitter::~GroupCommitter() { stop(); }

Result<void> GroupCommitter::submit(wire::BatchFrame frame, Callback done) {
  bool crossed = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return make_error(std::errc::operation_canceled);
    uint64_t bytes = frame.payload.size();
    // An empty queue always takes one batch, so a batch larger than the bound still goes.
    if (!queue_.empty() && queued_bytes_ + bytes > options_.max_queue_bytes) {
      return make_error(std::errc::resource_unavailable_try_again);
    }
    queued_bytes_ += bytes;
    queue_.push_back({std::move(frame), std::move(done)});
    if (!over_high_ && queued_bytes_ >= options_.high_watermark_bytes) {
      over_high_ = true;
      crossed = true;
    }
  }
  submitted_.fetch_add(1, std::memory_order_relaxed);
  wake_.notify_one();
  if (crossed) notify_watermark();
  return success();
}

void GroupCommitter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

bool GroupCommitter::over_high_watermark() const {
  std::lock_guard lock(mu_);
  return over_high_;
}

uint64_t GroupCommitter::queued_bytes() const {
  std::lock_guard lock(mu_);
  return queued_bytes_;
}

GroupCommitterStats GroupCommitter::stats() const {
  GroupCommitterStats s;
  s.groups = groups_.load(std::memory_order_relaxed);
  s.syncs = syncs_.load(std::memory_order_relaxed);
  s.submitted = submitted_.load(std::memory_order_relaxed);
  s.written = written_.load(std::memory_order_relaxed);
  s.duplicates = duplicates_.load(std::memory_order_relaxed);
  s.delivered = delivered_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  return s;
}

void GroupCommitter::notify_watermark() {
  if (!listener_) return;
  // A submitter crossing up and the writer crossing down can race; reporting the state
  // as it is now, under one lock, makes the last report always the true one.
  std::lock_guard report(listener_mu_);
  bool over = over_high_watermark();
  if (over == reported_over_) return;
  reported_over_ = over;
  listener_(over);
}

void GroupCommitter::run() {
  std::vector<Item> group;
  std::vector<const wire::BatchFrame*> frames;
  for (;;) {
    uint64_t group_bytes = 0;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      // Take everything that arrived while the previous group was syncing, up to the
      // group bounds; the rest waits for the next sync.
      while (!queue_.empty() && group.size() < options_.max_group_batches &&
             (group.empty() ||
              group_bytes + queue_.front().frame.payload.size() <= options_.max_group_bytes)) {
        group_bytes += queue_.front().frame.payload.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    frames.clear();
    for (const auto& item : group) frames.push_back(&item.frame);

    FERRY_CRASH_POINT("broker.before_sync");
    BatchStore::GroupWrite info;
    auto results = store_.store_group(frames, &info);
    FERRY_CRASH_POINT("broker.after_sync_before_ack");

    groups_.fetch_add(1, std::memory_order_relaxed);
    if (info.synced) syncs_.fetch_add(1, std::memory_order_relaxed);
    written_.fetch_add(info.written, std::memory_order_relaxed);
    // The group's bytes leave the queue before its submitters hear back, so whoever sees
    // a completion also sees the room it freed.
    bool crossed = false;
    {
      std::lock_guard lock(mu_);
      queued_bytes_ -= group_bytes;
      if (over_high_ && queued_bytes_ <= options_.low_watermark_bytes) {
        over_high_ = false;
        crossed = true;
      }
    }
    if (crossed) notify_watermark();
    complete(group, results, info.written);
    group.clear();
  }
}

void GroupCommitter::complete(std::vector<Item>& group, std::vector<Result<SubmitOutcome>>& results,
                              size_t written) {
  // Counted before anyone hears back, so stats() after a completion include it.
  uint64_t stored = 0;
  for (const Result<SubmitOutcome>& r : results) {
    if (!r) {
      failed_.fetch_add(1, std::memory_order_relaxed);
    } else if (r.value() == SubmitOutcome::kDelivered) {
      delivered_.fetch_add(1, std::memory_order_relaxed);
    } else {
      ++stored;
    }
  }
  // Stored without a write of its own: already pending, or a repeat within the group.
  duplicates_.fetch_add(stored - std::min<uint64_t>(stored, written), std::memory_order_relaxed);
  for (size_t i = 0; i < group.size(); ++i) {
    if (group[i].done) group[i].done(std::move(results[i]));
  }
}

}  // namespace ferry::broker::store
