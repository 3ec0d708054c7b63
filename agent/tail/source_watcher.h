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
// Parts: glob_scan and directory_watch find files, tracked_file holds each file's
// FileState, copy_matcher (with truncations and copy_beside) does the copytruncate rules
// above, range_reader serves resends; this class runs poll, read, release and resume.
//
// Runs on the tail thread/strand only; not thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/event/time_zone.h"
#include "agent/tail/copy_matcher.h"
#include "agent/tail/directory_watch.h"
#include "agent/tail/file_identity.h"
#include "agent/tail/range_reader.h"
#include "agent/tail/read_chunk.h"
#include "agent/tail/resume_point.h"
#include "agent/tail/tracked_file.h"
#include "agent/tail/unopened_files.h"
#include "common/base/clock.h"
#include "common/base/result.h"

namespace ferry::agent::tail {

struct SourceOptions {
  std::string category;
  std::vector<std::string> globs;  // wildcards in the file name part only for inotify
  size_t max_event_bytes = 64 * 1024;
  TimeMs rotate_wait_ms = 5'000;
  bool hold_finished = true;  // keep finished files open until release()
  // RFC 3164 timestamps (no zone of their own) are read in this zone; UTC if null.
  std::shared_ptr<const event::TimeZone> time_zone;
};

struct TrackedFileInfo {
  FileIdentity file;
  std::string path;
  uint64_t position = 0;  // end of the last event handed out
  uint64_t size = 0;      // at the last poll
  FileState state = FileState::kLive;
  bool rotated = false;
  bool finished = false;
};

class SourceWatcher {
 public:
  SourceWatcher(SourceOptions options, const Clock& clock);
  SourceWatcher(const SourceWatcher&) = delete;
  SourceWatcher& operator=(const SourceWatcher&) = delete;

  const std::string& category() const { return options_.category; }

  // Before start(): where to resume files seen before a restart.
  void add_resume_points(const std::vector<ResumePoint>& points);

  // Sets up inotify (best effort; poll-only if it fails) and runs the first poll.
  Result<void> start();

  // Readable when something changed in a watched directory; -1 without inotify.
  int inotify_fd() const { return dirs_.fd(); }
  // Consumes pending inotify events; true if there were any (then call poll()).
  bool drain_inotify() { return dirs_.drain(); }

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
  Result<ReadChunk> reread(const FileIdentity& file, uint64_t offset, uint64_t length, TimeMs time);

  // Files read to their end after rotation or deletion, still held open.
  std::vector<FileIdentity> finished_files() const;
  // Closes a finished file (all its batches delivered). A name that still matches the
  // globs is not read again from the start.
  void release(const FileIdentity& file);

  // Copies (copytruncate) adopted since the last call, each at the offset its original
  // had been read to. The owner records them as read positions: the copy's bytes up to
  // there went out through the original, whose position a truncation overwrites.
  std::vector<ResumePoint> take_adopted_copies() { return copies_.take_adopted_copies(); }

  uint64_t unreadable_bytes() const { return unreadable_bytes_; }
  // Bytes the owner could not read again (a recorded batch whose file is gone).
  void count_unreadable(uint64_t bytes) { unreadable_bytes_ += bytes; }
  // Bytes in tracked files beyond what was handed out (as of the last poll).
  uint64_t backlog_bytes() const;
  std::vector<TrackedFileInfo> files() const;

 private:
  void discover(const std::string& path, uint64_t dev, uint64_t ino);
  TrackedFile& adopt(std::unique_ptr<FileTailer> tailer, FileState state);
  // Files known before the restart that no glob matches any more: read by their last name.
  void resume_moved_files();
  // A copy no glob names, beside a truncated file (copies_beside()), is read from where
  // the original was read to, to its end.
  void find_copies_beside_truncations();
  Result<ReadChunk> read_from(TrackedFile& t, size_t max_bytes);
  RangeReader::Files range_files() const;

  SourceOptions options_;
  const Clock& clock_;
  std::vector<TrackedFile> files_;  // discovery order, oldest first
  std::vector<ResumePoint> resume_;
  uint64_t unreadable_bytes_ = 0;
  CopyMatcher copies_{options_.category, clock_, files_, resume_, unreadable_bytes_};
  RangeReader ranges_{options_.category, options_.max_event_bytes, options_.time_zone.get()};
  bool started_ = false;
  bool needs_poll_ = false;
  size_t next_live_ = 0;    // round robin over live files
  UnopenedFiles unopened_;  // glob matches that could not be opened, retried with backoff
  DirectoryWatch dirs_;
};

}  // namespace ferry::agent::tail
