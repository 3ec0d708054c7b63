#pragma once
// Reading a replay's files into batches (host_replay.h): one step of one source's scan.
// The batches depend only on the snapshot and the options, never on when or how often a
// step runs, so a rewound scan cuts the same batches with the same seqs.

#include "agent/batch_encoder.h"
#include "agent/replay/replay_job_record.h"
#include "common/base/clock.h"

namespace ferry::agent::replay {

// Reads the next chunk of the scan's current file (s.files[s.index], opened first), or
// moves on to the next file at its end. Lines whose event time falls in the request's
// [from, to) join the scan's builder; a batch is cut (encoded into job.queue) when the next
// line cannot join it. A file gone, damaged or unreadable goes to s.lost, by name; a
// batch that cannot be encoded fails the job.
void read_next_chunk(HostReplays::Job& job, HostReplays::Job::Scan& s, BatchEncoder& encoder,
                     const HostReplayOptions& options, const Clock& clock);

}  // namespace ferry::agent::replay
