#pragma once
// One file a SourceWatcher tracks: its tailer and where it is in its life (FileState).
//
//   kUndecided ──> kLive ──> kRotated ──> kFinished
//        │           ▲           ▲
//        └─> kWaitingCopy ───────┘   (start_reading() goes to kRotated if it moved away)
//
// A file renamed or deleted before it is read (kUndecided, kWaitingCopy) keeps its state
// and is read as rotated once it starts. Transitions not drawn above abort: they are
// bugs of the watcher, never something a file can cause.
//
// Runs on the tail thread; not thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "agent/tail/file_tailer.h"
#include "common/base/clock.h"

namespace ferry::agent::tail {

enum class FileState : uint8_t {
  // Found while running, too short yet to tell a new file from a copy being written:
  // not read until it can be told.
  kUndecided,
  // A copy (copytruncate) of a live file not yet truncated: not read until it is.
  kWaitingCopy,
  kLive,      // at a glob path: read in turn with the other live files
  kRotated,   // renamed or deleted: read to its end before the live files, then finished
  kFinished,  // rotated and read to its end; held open until released
};

const char* to_string(FileState state);

class TrackedFile {
 public:
  // `initial`: kLive, kRotated, or kUndecided (then since `now`).
  TrackedFile(std::unique_ptr<FileTailer> tailer, FileState initial, TimeMs now);

  FileTailer& tailer() { return *tailer_; }
  const FileTailer& tailer() const { return *tailer_; }
  FileState state() const { return state_; }
  // Renamed or deleted (whether read yet or not).
  bool rotated() const {
    return state_ == FileState::kRotated || state_ == FileState::kFinished || moved_away_;
  }
  bool finished() const { return state_ == FileState::kFinished; }
  // Read by read_some(): decided, not waiting, not finished.
  bool readable() const { return state_ == FileState::kLive || state_ == FileState::kRotated; }

  // kUndecided: since when (the wait to decide starts then).
  TimeMs undecided_since() const;
  // kUndecided: nothing to decide on yet; the wait starts again at `now`.
  void restart_undecided_wait(TimeMs now);
  // kUndecided -> kWaitingCopy: a copy of the live file with this dev and inode.
  void wait_for_original(uint64_t dev, uint64_t ino);
  // kWaitingCopy: whether the original is the file with this dev and inode.
  bool copy_of(uint64_t dev, uint64_t ino) const;
  bool copy_of_any_of(const std::vector<std::pair<uint64_t, uint64_t>>& originals) const;
  const std::pair<uint64_t, uint64_t>& original() const;
  // kUndecided or kWaitingCopy -> kLive, or kRotated if it moved away meanwhile.
  void start_reading();
  // Renamed or deleted: kLive -> kRotated; a file not read yet remembers it. False if it
  // was known to be rotated already.
  bool move_away();
  // kRotated: the last read left it at its end (now); its wait to finish runs from then.
  void note_at_end(TimeMs now);
  // kRotated: a read moved on; the wait to finish starts again at the next end.
  void note_progress() { at_end_since_.reset(); }
  // kRotated and at its end for at least `wait_ms` by `now`.
  bool done_waiting(TimeMs now, TimeMs wait_ms) const;
  // kRotated -> kFinished.
  void finish();

  bool seen = false;       // at a glob path in the current poll
  uint64_t last_size = 0;  // the file's size at the last look

 private:
  std::unique_ptr<FileTailer> tailer_;
  FileState state_;
  bool moved_away_ = false;                   // kUndecided / kWaitingCopy only
  TimeMs undecided_since_ = 0;                // kUndecided only
  std::pair<uint64_t, uint64_t> original_{};  // kWaitingCopy only: dev, ino
  std::optional<TimeMs> at_end_since_;        // kRotated only
};

// The tracked file with this device and inode, or null.
TrackedFile* find_tracked(std::vector<TrackedFile>& files, uint64_t dev, uint64_t ino);

}  // namespace ferry::agent::tail
