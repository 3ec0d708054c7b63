#pragma once
// Hour completeness for a consumer tier (docs/coordination.md): each consumer sees the
// watermarks of the streams it writes only, so the tier decides together, through the
// shared output:
//   _ferry/progress/<consumer>.json  what this consumer's HourTracker knows: per stream
//       its committed watermark, last contact and last batch; per hour not complete yet,
//       the on-time counts per host; per category its oldest hour not complete; the
//       hosts an operator forgot. Replaced atomically (written in this instance's temp
//       directory, which a fence takes away, then renamed over the old one).
// Every consumer reads every progress file and merges them: a stream's watermark,
// contact and last batch are the latest any consumer saw (a watermark counts only once
// its seqs are committed, whoever committed them, so the latest is right), the counts
// add up (each batch is committed once in the tier). An hour is complete by the same
// rules as for one consumer (HourTracker), over the merged streams, in order per
// category from the oldest hour any consumer has not seen complete. Its _SUCCESS is
// written by one consumer: the one writing the slot marker_slot(category, hour), and
// never over an existing one. Every consumer then adopts the hour as complete, so its
// batches for it go to late/.
//
// Threading: the BucketStore's thread, like the tracker.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "consumer/store/hour_tracker.h"
#include "consumer/store/sink.h"
#include "consumer/store/success_marker.h"

namespace ferry::consumer::store {

// The slot (common/zk/slot_map.h) whose writer writes the _SUCCESS of (category, hour).
uint32_t marker_slot(const std::string& category, TimeMs hour);

// What the progress files say together.
struct TierProgress {
  struct Stream {
    TimeMs watermark_ms = 0;
    TimeMs last_contact_ms = 0;
    TimeMs last_produced_ms = 0;
  };
  std::map<std::pair<std::string, std::string>, Stream> streams;  // (category, host)
  std::map<std::pair<std::string, TimeMs>, std::map<std::string, MarkerCounts>>
      hours;  // (category, hour)
  std::map<std::string, TimeMs>
      start;  // category -> oldest hour some consumer has not seen complete
  std::map<std::string, TimeMs> forgotten;  // host -> when

  // One consumer's progress file, encoded by encode_progress. False if it is not one
  // (`why` says what was wrong).
  bool merge(const std::string& text, std::string& why);
  // The same rules as HourTracker::expected_hosts, over the merged streams.
  std::vector<std::string> expected_hosts(const std::string& category, TimeMs now,
                                          const HourTrackerOptions& options) const;
};

// The progress file of a consumer whose tracker is `t`.
std::string encode_progress(const HourTracker& t, const std::string& consumer_id, TimeMs now);

class TierHours {
 public:
  inline static const std::string kProgressDir = "_ferry/progress";
  // Whether this consumer writes the slot now (SlotOwnership::writable).
  using WritesSlot = std::function<bool(uint32_t slot)>;

  TierHours(Sink& sink, HourTracker& tracker, std::string consumer_id, std::string fence_tag,
            WritesSlot writes_slot);

  // Replaces this consumer's progress file with what its tracker knows now.
  Result<void> publish(TimeMs now);
  // publish(), then reads every progress file, writes the _SUCCESS markers that are ours
  // to write and adopts every complete hour into the tracker. Returns the hours whose
  // marker this call wrote.
  Result<std::vector<CompletedHour>> evaluate(TimeMs now);

 private:
  Sink& sink_;
  HourTracker& tracker_;
  const std::string consumer_id_;
  const std::string fence_tag_;
  WritesSlot writes_slot_;
  // Hours whose _SUCCESS exists, per category (not looked up again).
  std::map<std::string, std::set<TimeMs>> marked_;
  std::string bad_file_;  // the progress file (and why) last refused, said once
};

}  // namespace ferry::consumer::store
