#pragma once
// The files a replay from hosts reads (host_replay.h): what a source's globs matched when
// the replay began, each by name, dev, inode and size. The snapshot is taken once and
// persisted with the job (replay_job_record.h); reading never goes past a file's size in
// it, so a restart cuts the same lines into the same batches.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/agent_config.h"
#include "agent/file_hours.h"
#include "common/wire/replay_messages.h"

namespace ferry::agent::replay {

struct FileRef {
  std::string path;
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;  // read up to here: what the file held when the replay began
  // A compressed rotated file (name *.gz): dev, ino and size are the compressed file's,
  // so the snapshot stays a pure description of bytes on disk and a restart decompresses
  // the same bytes into the same lines.
  bool gzip = false;
  bool operator==(const FileRef&) const = default;
};

// One source's files as its replay begins, in glob_scan order (oldest first).
struct SourceSnapshot {
  std::vector<FileRef> files;
  // The decompressed first bytes of each .gz file kept: a file the index says is gone may
  // be in one of them, compressed since it was read.
  std::vector<std::string> gz_heads;
};

// The files `globs` match now. Compressed files other than .gz are left out (not readable
// here), and so is a .gz whose plain original is still there: gzip writes the copy before
// it deletes the original. `replay_id` names the replay in logs.
SourceSnapshot take_snapshot(const std::vector<std::string>& globs, uint64_t replay_id);

// Files the index says held lines of [req.from_ms, req.to_ms) of `src`, and that the
// snapshot has neither by inode nor as a compressed copy: one entry each, naming the file.
std::vector<wire::ReplayMissing> files_gone(const SourceSnapshot& snapshot, const SourceConfig& src,
                                            const FileHours& hours, const wire::ReplayRequest& req,
                                            const std::string& host);

// Whether a .gz file is (the start of) a compressed copy of a plain file: its first
// decompressed bytes, at least tail::kMinCopyPrefix of them, are the plain file's first
// bytes. A plain file shorter than that head is not its original (a new file that starts
// with the same header line, say).
bool copy_of(std::string_view gz_head, std::string_view plain_head);

// Opens the snapshot's file: at its name, else (rotated since) at whatever name `globs`
// match with the same inode; never one shorter than the snapshot's size. -1 if it is gone.
int open_snapshot_file(const FileRef& f, const std::vector<std::string>& globs);

}  // namespace ferry::agent::replay
