#pragma once
// Feeds the live log from the store's worker: each batch the store accepted as new is
// split into its lines and appended (live_log.h), then the Kafka listener is told so that
// waiting fetches answer at once. Replayed batches are not fed: they are old lines.
//
// A failing live log never stops delivery to the output: the feed logs the error, stops
// appending (subscribers see the log stand still; ferry_consumer_live_log_failed is 1)
// and the consumer goes on. A restart opens the log again.
#include <atomic>
#include <functional>
#include <string>

#include "common/compress/zstd_codec.h"
#include "common/wire/messages.h"
#include "consumer/live/live_log.h"

namespace ferry::consumer::live {

class LiveFeed {
 public:
  using Appended = std::function<void(const std::string& topic)>;
  LiveFeed(LiveLog& log, Appended appended);

  // Worker thread, for a batch whose store add() said kAccepted.
  void on_accepted(const wire::BatchFrame& frame, int64_t now_ms);
  // Worker thread, before the output commits: what the output holds, the live log holds,
  // also after a power loss.
  void before_commit();
  // Worker thread, every few seconds: retention.
  void trim(int64_t now_ms);

  bool failed() const { return failed_.load(); }
  uint64_t appended_lines() const { return appended_lines_.load(); }

 private:
  void fail(const std::string& what, const std::error_code& ec);

  LiveLog& log_;
  Appended appended_;
  compress::ZstdDecompressor zstd_;
  std::string raw_;
  bool unsynced_ = false;
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> appended_lines_{0};
};

}  // namespace ferry::consumer::live
