#include "agent/tail/source_watcher.h"

#include <algorithm>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

#include "agent/tail/copy_beside.h"
#include "agent/tail/errc.h"
#include "agent/tail/glob_scan.h"

namespace ferry::agent::tail {

SourceWatcher::SourceWatcher(SourceOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

void SourceWatcher::add_resume_points(const std::vector<ResumePoint>& points) {
  resume_.insert(resume_.end(), points.begin(), points.end());
}

Result<void> SourceWatcher::start() {
  dirs_.start(options_.category, watchable_dirs(options_.globs));
  BOOST_OUTCOME_TRY(poll());
  // A rename during that look can hide a file from it (glob listed the old name, stat
  // found the new file there): look once more before giving resume points up, or the
  // renamed file is read again from 0 as a new one.
  if (!resume_.empty()) {
    BOOST_OUTCOME_TRY(poll());
  }
  started_ = true;
  resume_moved_files();
  for (const auto& r : resume_) {
    spdlog::warn(
        "[{}] {} ({}) disappeared while stopped after offset {}; bytes after it, if "
        "any, could not be read",
        options_.category, r.path, to_string(r.file), r.offset);
  }
  resume_.clear();
  return success();
}

void SourceWatcher::resume_moved_files() {
  for (auto it = resume_.begin(); it != resume_.end();) {
    auto opened = FileTailer::open(it->path, options_.max_event_bytes, options_.time_zone.get());
    bool matched = false;
    if (opened &&
        !find_tracked(files_, opened.value()->identity().dev, opened.value()->identity().ino)) {
      auto same = fd_matches(opened.value()->fd(), it->file);
      if (!same) {
        spdlog::error("[{}] {}: cannot read its identity: {}", options_.category, it->path,
                      same.error().message());
      }
      matched = same && same.value();
    }
    if (matched) {
      auto tailer = std::move(opened).value();
      if (auto sought = tailer->seek(it->offset, it->line_time_ms); sought) {
        spdlog::info("[{}] {} ({}) was rotated while stopped; reading it to its end from {}",
                     options_.category, it->path, to_string(it->file), it->offset);
        adopt(std::move(tailer), FileState::kRotated);
        it = resume_.erase(it);
        continue;
      } else {
        spdlog::error("[{}] {}: cannot resume at {}: {}", options_.category, it->path, it->offset,
                      sought.error().message());
      }
    }
    ++it;
  }
}

TrackedFile& SourceWatcher::adopt(std::unique_ptr<FileTailer> tailer, FileState state) {
  files_.emplace_back(std::move(tailer), state, clock_.now_ms());
  return files_.back();
}

void SourceWatcher::discover(const std::string& path, uint64_t dev, uint64_t ino) {
  auto opened = FileTailer::open(path, options_.max_event_bytes, options_.time_zone.get());
  if (!opened) {
    // Gone between glob and open: the next poll sees what took its place.
    if (opened.error() == std::errc::no_such_file_or_directory) return;
    if (unopened_.failed(path, clock_.now_ms())) {
      spdlog::warn(
          "[{}] cannot open {}: {}; trying again with backoff (up to {} s), reported again once it "
          "opens",
          options_.category, path, opened.error().message(),
          std::chrono::duration_cast<std::chrono::seconds>(kUnopenedRetryMax).count());
    }
    return;
  }
  if (unopened_.opened(path)) spdlog::info("[{}] {} can be opened now", options_.category, path);
  auto tailer = std::move(opened).value();
  const auto& id = tailer->identity();
  if (id.dev != dev || id.ino != ino) {
    // Replaced between stat and open; if the new one is tracked, it is the same file.
    if (TrackedFile* t = find_tracked(files_, id.dev, id.ino)) {
      t->seen = true;
      return;
    }
  }
  for (auto it = resume_.begin(); it != resume_.end(); ++it) {
    if (it->file.dev != id.dev || it->file.ino != id.ino) continue;
    auto same = fd_matches(tailer->fd(), it->file);
    if (!same) {
      // Not known to be the same content: read as new content (and kept as truncated
      // below), which may repeat lines but loses none.
      spdlog::error("[{}] {}: cannot compare it with its resume point: {}", options_.category, path,
                    same.error().message());
    }
    if (same && same.value()) {
      if (auto sought = tailer->seek(it->offset, it->line_time_ms); !sought) {
        spdlog::error("[{}] {}: cannot resume at {}: {}", options_.category, path, it->offset,
                      sought.error().message());
        return;
      }
      spdlog::info("[{}] resuming {} ({}) at {}", options_.category, path, to_string(id),
                   it->offset);
    } else {
      spdlog::info("[{}] {}: inode reused by new content; reading it from 0", options_.category,
                   path);
      copies_.remember_truncated_while_stopped(*it);
    }
    resume_.erase(it);
    adopt(std::move(tailer), FileState::kLive);
    return;
  }
  copies_.decide(adopt(std::move(tailer), FileState::kUndecided), /*force=*/false, started_);
}

void SourceWatcher::find_copies_beside_truncations() {
  // Snapshot: adopting a copy claims (erases) its truncation.
  for (const auto& tr : copies_.waiting_truncations()) {
    for (const auto& f : copies_beside(tr.path, tr.content.fingerprint)) {
      if (find_tracked(files_, f.dev, f.ino)) continue;
      const size_t adopted_before = copies_.adopted_copies().size();
      discover(f.path, f.dev, f.ino);
      TrackedFile* t = find_tracked(files_, f.dev, f.ino);
      if (t == nullptr) continue;
      const auto& adopted = copies_.adopted_copies();
      if (adopted.size() == adopted_before ||
          !same_inode(adopted.back().file, t->tailer().identity())) {
        // Not taken for the copy of a truncation after all: no glob names it, so it is
        // not ours to read.
        std::erase_if(files_, [t](const TrackedFile& x) { return &x == t; });
        next_live_ = 0;
        continue;
      }
      spdlog::info(
          "[{}] {}, the copy of truncated {}, sits beside it where no glob names it; reading it to "
          "its end",
          options_.category, f.path, tr.path);
      t->seen = false;
      t->move_away();  // read to its end, finished, then let go
    }
  }
}

Result<void> SourceWatcher::poll() {
  needs_poll_ = false;
  // Truncation first, so that a copytruncate copy found below is recognised as a copy.
  copies_.check_descriptors();
  for (auto& t : files_) t.seen = false;
  auto found = expand_globs(options_.globs);
  // Files with a resume point first: an original truncated while the agent was down
  // must be known as such before its copy is looked at.
  std::stable_partition(found.begin(), found.end(), [this](const GlobMatch& f) {
    return std::any_of(resume_.begin(), resume_.end(), [&f](const ResumePoint& r) {
      return r.file.dev == f.dev && r.file.ino == f.ino;
    });
  });
  std::set<std::string> found_paths;
  for (const auto& f : found) {
    found_paths.insert(f.path);
    if (TrackedFile* t = find_tracked(files_, f.dev, f.ino)) {
      t->seen = true;
      if (t->tailer().path() != f.path) {
        if (t->move_away()) {
          spdlog::info("[{}] {} was renamed to {}; reading it to its end", options_.category,
                       t->tailer().path(), f.path);
        }
        t->tailer().set_path(f.path);
      }
      continue;
    }
    // logrotate's compressed copies (app.log.2.gz) hold lines already read from the
    // plain file; they are binary, never tailed (replay from hosts reads them).
    if (is_compressed_copy(f.path)) continue;
    if (unopened_.due(f.path, clock_.now_ms())) discover(f.path, f.dev, f.ino);
  }
  unopened_.keep_only(found_paths);
  find_copies_beside_truncations();
  for (auto& t : files_) {
    if (t.state() == FileState::kUndecided) copies_.decide(t, /*force=*/!t.seen, started_);
  }
  copies_.recheck_waiting_copies();
  copies_.count_unclaimed_truncations();
  // After the start, resume points only carry released files to their rediscovery.
  if (started_) resume_.clear();
  // A waiting copy is dropped when it goes away or its original is rotated away without
  // a truncation: the original was (or will be) read whole, the copy is never needed.
  std::vector<std::pair<uint64_t, uint64_t>> live_originals;
  for (const auto& o : files_) {
    if (o.state() != FileState::kWaitingCopy && !o.rotated()) {
      live_originals.emplace_back(o.tailer().identity().dev, o.tailer().identity().ino);
    }
  }
  if (std::erase_if(files_, [&](const TrackedFile& t) {
        return t.state() == FileState::kWaitingCopy &&
               (!t.seen || !t.copy_of_any_of(live_originals));
      }) > 0) {
    next_live_ = 0;
  }
  for (auto& t : files_) {
    if (t.seen || t.rotated()) continue;
    spdlog::info("[{}] {} was deleted or moved away; reading it to its end", options_.category,
                 t.tailer().path());
    t.move_away();
  }
  return success();
}

Result<ReadChunk> SourceWatcher::read_from(TrackedFile& t, size_t max_bytes) {
  const TimeMs now = clock_.now_ms();
  auto& tailer = t.tailer();
  for (;;) {
    const uint64_t before = tailer.read_offset();
    const bool final = t.done_waiting(now, options_.rotate_wait_ms);
    BOOST_OUTCOME_TRY(chunk, tailer.read(max_bytes, now, final));
    if (tailer.replacement_found()) {
      // Found by this read, which handed out nothing. Its copy, if any, is found by the
      // next poll, before anything more is read: the checkpoint learns where the copy
      // starts before it learns the original's new content.
      copies_.on_truncated(t);
      needs_poll_ = true;
      return chunk;
    }
    if (tailer.read_offset() != before) t.note_progress();
    if (tailer.at_eof() && t.rotated()) t.note_at_end(now);
    if (final && tailer.at_eof() && tailer.read_offset() == tailer.position()) {
      t.finish();
      spdlog::info("[{}] finished {} ({}) at {}", options_.category, tailer.path(),
                   to_string(tailer.identity()), tailer.position());
    }
    t.last_size = std::max(t.last_size, tailer.read_offset());
    if (!chunk.empty() || tailer.at_eof() || t.finished()) return chunk;
    // Read bytes but no complete line yet (a long line or small max_bytes): read on.
  }
}

Result<ReadChunk> SourceWatcher::read_some(size_t max_bytes) {
  if (needs_poll_) return ReadChunk{};
  // Drop finished files nobody needs to hold.
  if (!options_.hold_finished) {
    std::erase_if(files_, [](const TrackedFile& t) { return t.finished(); });
  }
  // Rotated files first: they are older and their writers have moved on.
  for (auto& t : files_) {
    if (t.state() != FileState::kRotated) continue;
    BOOST_OUTCOME_TRY(chunk, read_from(t, max_bytes));
    if (!chunk.empty()) return chunk;
  }
  const size_t n = files_.size();
  for (size_t i = 0; i < n; ++i) {
    auto& t = files_[(next_live_ + i) % n];
    if (t.state() != FileState::kLive) continue;
    BOOST_OUTCOME_TRY(chunk, read_from(t, max_bytes));
    if (!chunk.empty()) {
      next_live_ = (next_live_ + i + 1) % n;
      return chunk;
    }
  }
  return ReadChunk{};
}

RangeReader::Files SourceWatcher::range_files() const {
  RangeReader::Files files;
  for (const auto& t : files_) files.open.push_back(&t.tailer());
  // Current glob matches, then last known names (released files), that have its inode.
  files.names = [this](const FileIdentity& file) {
    std::vector<std::string> names;
    for (const auto& f : expand_globs(options_.globs)) {
      if (f.dev == file.dev && f.ino == file.ino) names.push_back(f.path);
    }
    for (const auto& r : resume_) {
      if (same_inode(r.file, file)) names.push_back(r.path);
    }
    return names;
  };
  return files;
}

Result<std::string> SourceWatcher::read_range(const FileIdentity& file, uint64_t offset,
                                              uint64_t length) {
  return ranges_.read(range_files(), file, offset, length);
}

Result<ReadChunk> SourceWatcher::reread(const FileIdentity& file, uint64_t offset, uint64_t length,
                                        TimeMs time) {
  return ranges_.reread(range_files(), file, offset, length, time);
}

std::vector<FileIdentity> SourceWatcher::finished_files() const {
  std::vector<FileIdentity> out;
  for (const auto& t : files_) {
    if (t.finished()) out.push_back(t.tailer().identity());
  }
  return out;
}

void SourceWatcher::release(const FileIdentity& file) {
  for (auto it = files_.begin(); it != files_.end(); ++it) {
    if (!it->finished() || !(it->tailer().identity() == file)) continue;
    // If its name still matches a glob, rediscovery resumes at its end.
    resume_.push_back({file, it->tailer().position(), 0, it->tailer().path()});
    files_.erase(it);
    next_live_ = 0;
    return;
  }
}

uint64_t SourceWatcher::backlog_bytes() const {
  uint64_t total = 0;
  for (const auto& t : files_) {
    if (t.last_size > t.tailer().position()) total += t.last_size - t.tailer().position();
  }
  return total;
}

std::vector<TrackedFileInfo> SourceWatcher::files() const {
  std::vector<TrackedFileInfo> out;
  for (const auto& t : files_) {
    out.push_back({t.tailer().identity(), t.tailer().path(), t.tailer().position(), t.last_size,
                   t.state(), t.rotated(), t.finished()});
  }
  return out;
}

}  // namespace ferry::agent::tail
