#pragma once
// How far one stream (host, category) has got, as hour completeness sees it (DESIGN §6):
// which seqs are committed, and the committed watermark, which moves only once every seq
// up to a WATERMARK's seq is committed. Pure: HourTracker keeps these and stores them
// (hour_records.h).

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "common/base/clock.h"

namespace ferry::consumer::store {

struct StreamState {
  // The newest agent state seen for (host, category); seqs below count for it only.
  // A newer incarnation (a wiped or reimaged host) supersedes the older one, whose gaps
  // and pending watermarks then stop holding hours back.
  uint64_t incarnation = 0;
  uint64_t contiguous_seq = 0;  // every seq 1..contiguous_seq is committed
  std::set<uint64_t> above;     // committed seqs beyond a gap
  std::vector<std::pair<uint64_t, TimeMs>> pending_watermarks;  // (seq, time), seq rising
  TimeMs watermark_ms = 0;                                      // committed watermark
  TimeMs last_contact_ms = 0;                                   // last committed batch or watermark
  TimeMs last_produced_ms = 0;                                  // last committed batch
  // Last time seqs committed by another consumer of a tier were learnt (stage_learnt):
  // keeps the stream in memory, so that its watermarks count here, without making its
  // host look alive.
  TimeMs learnt_ms = 0;
};

// Whether a batch or watermark of `incarnation` moves the stream: the current one does; a
// newer one supersedes it first (its seqs start again at 1; the hour watermark reached
// so far stays, the newer state only moves it on); an older one does not.
bool takes_part(StreamState& s, uint64_t incarnation);

// A committed batch (ours, or learnt from another consumer's manifest).
void record_committed(StreamState& s, uint64_t incarnation, uint64_t seq);

// A WATERMARK(seq, time): counts now if seq is committed, else waits (at most
// `max_pending`, the oldest dropped). False if it is of a superseded incarnation.
bool record_watermark(StreamState& s, uint64_t incarnation, uint64_t seq, TimeMs time_ms,
                      size_t max_pending);

}  // namespace ferry::consumer::store
