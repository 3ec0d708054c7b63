#pragma once
// Watches one source (a category and its path globs) and reads its files (DESIGN §5).
//
// Discovery and rotation: poll() expands the globs and stats every tracked descriptor.
// Files are tracked by device + inode + fingerprint, never by name:
//   - a new inode at a glob path is a new file (read from 0, or from its resume point);
//   - a tracked inode under a new name (rename + create, also renamed out of the globs)
//     or no longer under any glob name (deleted) is "rotated": it is read to its end
//     through the open descriptor; once it has sat at its end for rotate_wait_ms its
//     unterminated last line becomes an event and it is "finished";
//   - hourly-named files are simply new files; old hours stay tracked;
//   - a file whose size drops below the read offset, or whose first bytes change, was
//     truncated (copytruncate): reading restarts at 0 on its new content at once (so a
//     second truncation before anything is read is seen too). A read that finds the
//     first bytes changed hands out nothing and stops reading until the next poll
//     (needs_poll()), so the copy is found, and its start recorded, first. Bytes beyond
//     the read offset that no copy carries on are counted as unreadable and logged;
//   - a new inode whose first bytes equal a tracked (or truncated) file's is a copy of
//     it (copytruncate's rotated copy). copytruncate creates the copy empty and fills it,
//     and the original may be truncated between any two steps of a poll, so:
//       - an empty file is "undecided" and not read; found while running, so is one with
//         fewer than kMinCopyPrefix bytes, or fewer than min(1 KiB, size) of a live
//         file it starts like, until it has them or kDecideAfterMs passed (a copy is
//         written at once; a new file of short lines or one sharing a header is not);
//       - a copy of a file not yet truncated waits, unread: the original is read on
//         meanwhile, and only when it is truncated does the copy start, at the
//         original's position then (reading both would double the lines written
//         between the copy and the truncation);
//       - a copy of a file already truncated resumes at the offset the original had
//         been read to, never past its own end (lines written between the copy and the
//         truncation were read from the original), and at the start of the original's
//         unterminated last line if that was not handed out yet (the copy has it whole);
//         if no match is found and the originals turn out truncated since the poll
//         began, the match is tried again;
//       - a waiting copy that grows past its original, or stops matching it while the
//         original is not truncated, is a new file after all.
//     A copy of a truncated file that no glob names is looked for beside it
//     (copy_beside.h) and, if found, read from the original's read offset to its end.
//     After a restart the same holds for a resume point whose inode now holds other
//     content (the original, truncated while the agent was down); files with resume
//     points are looked at first so that it is known before its copy is.
// inotify only wakes the owner earlier: poll() is correct on its own, so the owner
// calls it on inotify activity and on a timer (e.g. every second).
//
// Backpressure: nothing is read unless the owner calls read_some(); memory is bounded by
// its max_bytes plus one max_event_bytes pending line per file.
//
// Resends: read_range()/reread() find a file by identity among tracked descriptors
// (rotated, deleted-but-open, finished-but-held) and current glob matches. Finished files
// stay open until release() so their unacked batches stay readable.
//
// Runs on the tail thread/strand only; not thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/event/time_zone.h"
#include "agent/tail/file_identity.h"
#include "agent/tail/file_tailer.h"
#include "agent/tail/read_chunk.h"
#include "agent/tail/unopened_files.h"
#include "common/base/clock.h"
#include "common/base/result.h"

namespace ferry::agent::tail {

// How long a file found with fewer bytes waits before it is read as a new file.
inline constexpr TimeMs kDecideAfterMs = 1'000;
// Truncated contents remembered for a copy that turns up later.
inline constexpr size_t kMaxTruncations = 256;
// How long a truncated content waits for its copy before its unread bytes count as lost
// (long enough for a copy found while being written to be decided).
inline constexpr TimeMs kClaimWaitMs = 2 * kDecideAfterMs;

struct SourceOptions {
  std::string category;
  std::vector<std::string> globs;  // wildcards in the file name part only for inotify
  size_t max_event_bytes = 64 * 1024;
  TimeMs rotate_wait_ms = 5'000;
  bool hold_finished = true;  // keep finished files open until release()
  // RFC 3164 timestamps (no zone of their own) are read in this zone; UTC if null.
  std::shared_ptr<const event::TimeZone> time_zone;
};

// Where to resume a file after a restart: the end of the last recorded batch.
struct ResumePoint {
  FileIdentity file;
  uint64_t offset = 0;
  TimeMs line_time_ms = 0;  // time for the rest of a long line split at `offset`
  std::string path;         // last known name, tried if no glob match has the identity
};

struct TrackedFileInfo {
  FileIdentity file;
  std::string path;
  uint64_t position = 0;  // end of the last event handed out
  uint64_t size = 0;      // at the last poll
  bool rotated = false;
  bool finished = false;
};

class SourceWatcher {
 public:
  SourceWatcher(SourceOptions options, const Clock& clock);
  ~SourceWatcher();
  SourceWatcher(const SourceWatcher&) = delete;
  SourceWatcher& operator=(const SourceWatcher&) = delete;

  const std::string& category() const { return options_.category; }

  // Before start(): where to resume files seen before a restart.
  void add_resume_points(const std::vector<ResumePoint>& points);

  // Sets up inotify (best effort; poll-only if it fails) and runs the first poll.
  Result<void> start();

  // Readable when something changed in a watched directory; -1 without inotify.
  int inotify_fd() const { return inotify_fd_; }
  // Consumes pending inotify events; true if there were any (then call poll()).
  bool drain_inotify();

  // Rediscovers files and detects rotation, deletion and truncation.
  Result<void> poll();
  // A read found a truncation: nothing more is read until the next poll (call it now).
  bool needs_poll() const { return needs_poll_; }

  // Reads up to about max_bytes from one file (rotated files first, then the others in
  // turn) and returns its new events; an empty chunk when there is nothing to read.
  Result<ReadChunk> read_some(size_t max_bytes);

  // Exactly the bytes [offset, offset + length) of the file with this identity.
  // Errc::kFileGone if no file has it, kRangeUnavailable if it is too short.
  Result<std::string> read_range(const FileIdentity& file, uint64_t offset, uint64_t length);

  // The events of a recorded range, cut exactly as when it was first read. Lines
  // without a timestamp, and the rest of a long line the range starts inside, get
  // `time` (pass the batch's recorded min time so the batch keeps its hour).
  Result<ReadChunk> reread(const FileIdentity& file, uint64_t offset, uint64_t length,
                           TimeMs time);

  // Files read to their end after rotation or deletion, still held open.
  std::vector<FileIdentity> finished_files() const;
  // Closes a finished file (all its batches delivered). A name that still matches the
  // globs is not read again from the start.
  void release(const FileIdentity& file);

  // Copies (copytruncate) adopted since the last call, each at the offset its original
  // had been read to. The owner records them as read positions: the copy's bytes up to
  // there went out through the original, whose position a truncation overwrites.
  std::vector<ResumePoint> take_adopted_copies();

  uint64_t unreadable_bytes() const { return unreadable_bytes_; }
  // Bytes the owner could not read again (a recorded batch whose file is gone).
  void count_unreadable(uint64_t bytes) { unreadable_bytes_ += bytes; }
  // Bytes in tracked files beyond what was handed out (as of the last poll).
  uint64_t backlog_bytes() const;
  std::vector<TrackedFileInfo> files() const;

 private:
  struct Tracked {
    std::unique_ptr<FileTailer> tailer;
    bool seen = false;     // at a glob path in the current poll
    bool rotated = false;  // renamed or deleted: read to the end, then finish
    bool finished = false;
    TimeMs eof_since = -1;  // when a rotated file was first found at its end
    uint64_t last_size = 0;
    // A copy waiting for its original (this dev/ino) to be truncated; not read meanwhile.
    std::optional<std::pair<uint64_t, uint64_t>> copy_of;
    // Found while running, too short yet to tell a new file from a copy being written:
    // not read meanwhile. -1 once decided.
    TimeMs undecided_since = -1;
  };
  struct CopySource {
    uint64_t offset = 0;    // the original's read offset: where the copy carries on
    uint64_t position = 0;  // the original's events' end: before its unterminated last line
    FileIdentity original;  // a truncated original, as it was
    Tracked* live_original = nullptr;        // not yet truncated: the copy waits for it
  };
  enum class CopyStart { kNone, kStarted, kWithPendingLine };
  // A truncated content (copytruncate) whose copy may still turn up at a glob path.
  struct Truncation {
    FileIdentity content;           // the truncated file, by the old content's first bytes read
    std::optional<uint32_t> head;   // their head_crc(), if known
    uint64_t position = 0;          // the end of its events
    uint64_t read_offset = 0;       // where its copy carries on
    uint64_t unread = 0;            // bytes beyond it: lost unless a copy carries them
    std::string path;
    TimeMs at_ms = 0;
    bool reported = false;          // unclaimed after kClaimWaitMs: its loss was told
  };

  // Keeps a truncated content for a copy to claim (at most kMaxTruncations, oldest go).
  void remember_truncation(Truncation truncation);
  // Finds truncated files (and refines provisional identities); returns how many.
  size_t check_descriptors();
  // `t` was found truncated (and marked so): its copy, waiting or yet to come, carries
  // its old content on.
  void on_truncated(Tracked& t);
  void discover(const std::string& path, uint64_t dev, uint64_t ino);
  Tracked& adopt(std::unique_ptr<FileTailer> tailer, bool rotated);
  Tracked* find(uint64_t dev, uint64_t ino);
  std::optional<CopySource> copy_source(FileTailer& tailer);
  // Reads `t` as a new file or as a copy, once it can be told (see undecided_since).
  void decide(Tracked& t, bool force);
  // Bytes of truncated contents that no copy carried on within a while are lost.
  void count_unclaimed_truncations();
  // A copy no glob names, beside a truncated file (copies_beside()), is read from where
  // the original was read to, to its end.
  void find_copies_beside_truncations();
  void lose_truncated_bytes(const std::string& path, uint64_t read_offset, uint64_t bytes);
  // The original of waiting copies was truncated: they start where it was. Whether one
  // started, and whether it carries the original's unterminated last line.
  CopyStart start_waiting_copies(const FileTailer& original);
  // A waiting copy that grew past its original or stopped matching it is a new file.
  void recheck_waiting_copies();
  Result<std::unique_ptr<FileTailer>> open_by_identity(const FileIdentity& file);
  Result<ReadChunk> read_from(Tracked& t, size_t max_bytes);
  void setup_inotify();

  SourceOptions options_;
  const Clock& clock_;
  std::vector<Tracked> files_;  // discovery order, oldest first
  std::vector<ResumePoint> resume_;
  // Recent truncated contents, oldest first (bounded), to resume a copy of them
  // (copytruncate) where the original left off.
  std::vector<Truncation> truncated_;
  bool started_ = false;
  bool needs_poll_ = false;
  std::vector<ResumePoint> adopted_copies_;
  size_t next_live_ = 0;  // round robin over live files
  uint64_t unreadable_bytes_ = 0;
  UnopenedFiles unopened_;  // glob matches that could not be opened, retried with backoff
  int inotify_fd_ = -1;
};

}  // namespace ferry::agent::tail
