#pragma once
// One replay from hosts as the agent holds it (host_replay.h): the request, per source the
// snapshot's files and how far reading them got, the batches cut, in flight and committed.
// Its record, <state_dir>/replays/<id>.json, holds what a restart must keep (the snapshot,
// the files missing, the counts committed, how it ended), not where reading stood: a
// restart rewinds and cuts the same batches again.

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/event/line_splitter.h"
#include "agent/replay/gzip_stream.h"
#include "agent/replay/host_replay.h"
#include "agent/replay/replay_snapshot.h"
#include "common/batch/batch_builder.h"

namespace ferry::agent::replay {

struct HostReplays::Job {
  // Reading one source's files, in the snapshot's order.
  struct Scan {
    const SourceConfig* source = nullptr;
    std::vector<FileRef> files;
    size_t index = 0;     // the file being read
    uint64_t offset = 0;  // next byte of it
    int fd = -1;
    std::unique_ptr<GzipStream> gz;  // reading a .gz file
    std::string pending;             // its decompressed bytes not split yet
    bool gz_ended = false;
    batch::FileIdentity id;
    std::unique_ptr<event::LineSplitter> splitter;
    std::unique_ptr<batch::BatchBuilder> builder;
    uint64_t contiguous_end = 0;  // where the builder's last event ends
    uint64_t next_seq = 1;
    bool finished = false;
    std::vector<wire::ReplayMissing> lost;  // files gone since the snapshot

    ~Scan() { close_file(); }
    void close_file() {
      gz.reset();
      pending.clear();
      gz_ended = false;
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  };
  struct Sent {
    uint32_t bytes = 0;
    uint32_t events = 0;
  };

  wire::ReplayRequest request;
  wire::ReplayState state = wire::ReplayState::kRunning;
  std::vector<std::unique_ptr<Scan>> scans;
  std::deque<send::InflightBatch> queue;                      // cut, waiting for window room
  std::map<std::pair<std::string, uint64_t>, Sent> inflight;  // (category, seq)
  uint64_t inflight_bytes = 0;
  std::map<std::string, std::map<uint64_t, uint32_t>> committed;  // category -> seq -> events
  std::map<std::string, std::pair<uint64_t, uint64_t>>
      restored;                              // counts of a job done before a restart
  std::vector<wire::ReplayMissing> gaps;     // files of the range gone before it began
  std::vector<wire::ReplayMissing> missing;  // reported: the gaps, then files lost while reading
  double tokens = 0;
  std::chrono::steady_clock::time_point refilled = std::chrono::steady_clock::now();
  bool changed = true;
  std::string snapshot_path;
};

// Writes the job's record to job.snapshot_path (durably; a failure is logged).
void persist(const HostReplays::Job& job);

// Reads the record at job.snapshot_path into `job` (state, counts, gaps and missing, named
// with `host`) and returns the snapshot's files by category; nullopt if there is none, it
// is another replay's, or it cannot be read (logged): then a new snapshot is taken.
std::optional<std::map<std::string, std::vector<FileRef>>> load_record(HostReplays::Job& job,
                                                                       const std::string& host);

// Back to the scan's first file with a new splitter and builder, seqs from 1.
void rewind(HostReplays::Job::Scan& s, size_t max_event_bytes, size_t batch_max_bytes);

}  // namespace ferry::agent::replay
