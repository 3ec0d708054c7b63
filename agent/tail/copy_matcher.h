#pragma once
// copytruncate matching for one source: finds truncated files, tells a new file from a
// copy being written (undecided files), and starts each copy where its original was read
// to. See source_watcher.h for the rules; this is their implementation.
//
// Works on the watcher's tracked files (it holds a reference to them, and to its resume
// points and unreadable-byte count). Runs on the tail thread; not thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "agent/tail/resume_point.h"
#include "agent/tail/tracked_file.h"
#include "agent/tail/truncations.h"
#include "common/base/clock.h"

namespace ferry::agent::tail {

class CopyMatcher {
 public:
  CopyMatcher(const std::string& category, const Clock& clock, std::vector<TrackedFile>& files,
              const std::vector<ResumePoint>& resume, uint64_t& unreadable_bytes);

  // Finds truncated files (and refines provisional identities); returns how many.
  size_t check_descriptors();
  // `t` was found truncated: its copy, waiting or yet to come, carries its old content on,
  // and `t` restarts at 0 on its new content.
  void on_truncated(TrackedFile& t);
  // Reads an undecided file as a new file or as a copy, once it can be told. `force`:
  // decide now. `started`: the watcher's first polls are done (files found before are
  // not being copied right now).
  void decide(TrackedFile& t, bool force, bool started);
  // A waiting copy that grew past its original or stopped matching it is a new file.
  void recheck_waiting_copies();
  // Bytes of truncated contents that no copy carried on within kClaimWaitMs are lost.
  void count_unclaimed_truncations();
  // A resume point whose inode now holds other content: truncated while the agent was
  // down; a copy found later carries it on from the recorded offset.
  void remember_truncated_while_stopped(const ResumePoint& point);
  // Truncations a copy may still claim (to look for copies no glob names).
  std::vector<Truncation> waiting_truncations() const {
    return truncations_.waiting(clock_.now_ms());
  }

  // Copies started, each at the offset its original had been read to (see
  // SourceWatcher::take_adopted_copies).
  const std::vector<ResumePoint>& adopted_copies() const { return adopted_copies_; }
  std::vector<ResumePoint> take_adopted_copies();

 private:
  struct CopySource {
    uint64_t offset = 0;    // the original's read offset: where the copy carries on
    uint64_t position = 0;  // the original's events' end: before its unterminated last line
    FileIdentity original;  // a truncated original, as it was
    TrackedFile* live_original = nullptr;  // not yet truncated: the copy waits for it
  };
  enum class CopyStart { kNone, kStarted, kWithPendingLine };

  std::optional<CopySource> copy_source(const FileTailer& tailer, bool started);
  // The original of waiting copies was truncated: they start where it was. Whether one
  // started, and whether it carries the original's unterminated last line.
  CopyStart start_waiting_copies(const FileTailer& original);
  // Starts an undecided `t` as the copy of a truncated file (`source`).
  void resume_copy(TrackedFile& t, const CopySource& source);
  void lose_truncated_bytes(const std::string& path, uint64_t read_offset, uint64_t bytes);
  // Restarts `tailer` on its new content; an I/O error is logged (tried again later).
  void restart(FileTailer& tailer, bool drop_pending);
  // Logs an I/O error met while matching (an error, unless it is a race the next look settles).
  void report(const std::string& path, std::string_view what, std::error_code ec) const;
  // Whether the file starts with that content; an I/O error is logged and counts as no.
  bool starts_with(const FileTailer& tailer, uint64_t fingerprint) const;

  const std::string& category_;
  const Clock& clock_;
  std::vector<TrackedFile>& files_;
  const std::vector<ResumePoint>& resume_;
  uint64_t& unreadable_bytes_;
  Truncations truncations_;
  std::vector<ResumePoint> adopted_copies_;
};

}  // namespace ferry::agent::tail
