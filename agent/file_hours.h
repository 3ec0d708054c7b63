#pragma once
// Which file held which event times, per source (DESIGN §7, replay from hosts): every
// live batch cut notes its file (dev, ino, name) and min/max event time here. A replay
// from the host's files reads the files it still has; the index tells it which files of
// the range it no longer has (deleted, or rotated out of the globs), so that part is
// reported missing with the file's name instead of skipped silently. A file compressed
// since (app.log.1 -> app.log.2.gz: a new inode) is followed into its copy by content:
// see covered_by_copy().
//
// Kept in <state_dir>/file_hours.json (written by save() when changed, so it survives
// restarts and rotation); entries older than kKeep are dropped, at most kMaxFiles per
// category. Not thread-safe (the agent's io thread).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/clock.h"

namespace ferry::agent {

struct FileHoursEntry {
  std::string path;  // its name when last read
  uint64_t dev = 0;
  uint64_t ino = 0;
  TimeMs min_time_ms = 0;
  TimeMs max_time_ms = 0;
  // Its tail fingerprint (tail/file_identity.h) when last noted: the longest prefix seen,
  // so a compressed copy of the file (logrotate `compress`) can be recognised by content.
  uint64_t fingerprint = 0;
};

class FileHours {
 public:
  static constexpr TimeMs kKeep = 8LL * 24 * kMsPerHour;  // a day past the agent's clamp window
  static constexpr size_t kMaxFiles = 4096;

  explicit FileHours(std::string path) : path_(std::move(path)) {}

  // Reads the file if present; a damaged one is logged and started over.
  void load();
  void note(const std::string& category, uint64_t dev, uint64_t ino, uint64_t fingerprint,
            const std::string& path, TimeMs min_ms, TimeMs max_ms);
  // Writes the index if it changed, dropping entries older than kKeep before `now`.
  void save(TimeMs now);
  // The category's files whose times overlap [from, to).
  std::vector<FileHoursEntry> overlapping(const std::string& category, TimeMs from,
                                          TimeMs to) const;
  // Whether `head`, the first decompressed bytes (up to tail::kFingerprintBytes) of a
  // compressed file, is the start of the file `e` names: the entry's fingerprint (a CRC of
  // the first bytes it saw, at least tail::kMinCopyPrefix of them) matches them. Log files
  // start with their own time-stamped lines, so two files with the same first kilobyte
  // are the same file; an entry from before fingerprints were kept never matches.
  static bool covered_by_copy(const FileHoursEntry& e, std::string_view head);

 private:
  std::string path_;
  std::map<std::string, std::map<std::pair<uint64_t, uint64_t>, FileHoursEntry>>
      files_;  // category -> (dev, ino)
  bool dirty_ = false;
};

}  // namespace ferry::agent
