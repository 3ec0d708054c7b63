#include "agent/tail/source_watcher.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

#include "agent/event/line_splitter.h"
#include "agent/tail/copy_beside.h"
#include "agent/tail/errc.h"

namespace ferry::agent::tail {
namespace {

struct Found {
  std::string path;
  uint64_t dev;
  uint64_t ino;
  int64_t mtime_ns;
};

std::vector<Found> expand_globs(const std::vector<std::string>& globs) {
  std::vector<Found> out;
  std::set<std::pair<uint64_t, uint64_t>> seen;
  for (const auto& pattern : globs) {
    glob_t g{};
    if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        struct stat st {};
        if (::stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
        // A file under two names (hard link, two overlapping globs) is one file.
        if (!seen.emplace(st.st_dev, st.st_ino).second) continue;
        out.push_back({g.gl_pathv[i], static_cast<uint64_t>(st.st_dev),
                       static_cast<uint64_t>(st.st_ino),
                       st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec});
      }
    }
    ::globfree(&g);
  }
  // Older files first, so after a restart rotated files are read before the live one.
  std::sort(out.begin(), out.end(), [](const Found& a, const Found& b) {
    return a.mtime_ns != b.mtime_ns ? a.mtime_ns < b.mtime_ns : a.path < b.path;
  });
  return out;
}

Result<std::string> pread_exact(int fd, uint64_t offset, uint64_t length) {
  std::string out(length, '\0');
  size_t got = 0;
  while (got < length) {
    ssize_t r = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return std::error_code(errno, std::system_category());
    }
    if (r == 0) return Errc::kRangeUnavailable;
    got += static_cast<size_t>(r);
  }
  return out;
}

bool starts_with(const FileTailer& tailer, uint64_t fingerprint) {
  auto same = starts_with_fingerprint(tailer.fd(), fingerprint);
  return same && same.value();
}

bool has_wildcard(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

}  // namespace

SourceWatcher::SourceWatcher(SourceOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

SourceWatcher::~SourceWatcher() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

void SourceWatcher::add_resume_points(const std::vector<ResumePoint>& points) {
  resume_.insert(resume_.end(), points.begin(), points.end());
}

Result<void> SourceWatcher::start() {
  setup_inotify();
  BOOST_OUTCOME_TRY(poll());
  // A rename during that look can hide a file from it (glob listed the old name, stat
  // found the new file there): look once more before giving resume points up, or the
  // renamed file is read again from 0 as a new one.
  if (!resume_.empty()) {
    BOOST_OUTCOME_TRY(poll());
  }
  started_ = true;
  // Files known before the restart that no glob matches any more (renamed away or
  // deleted while the agent was down): read what is left of them by their last name.
  for (auto it = resume_.begin(); it != resume_.end();) {
    auto opened = FileTailer::open(it->path, options_.max_event_bytes, options_.time_zone.get());
    bool matched = false;
    if (opened && !find(opened.value()->identity().dev, opened.value()->identity().ino)) {
      auto same = fd_matches(opened.value()->fd(), it->file);
      matched = same && same.value();
    }
    if (matched) {
      auto tailer = std::move(opened).value();
      if (tailer->seek(it->offset, it->line_time_ms)) {
        spdlog::info("[{}] {} ({}) was rotated while stopped; reading it to its end from {}",
                     options_.category, it->path, to_string(it->file), it->offset);
        adopt(std::move(tailer), /*rotated=*/true);
        it = resume_.erase(it);
        continue;
      }
    }
    ++it;
  }
  for (const auto& r : resume_) {
    spdlog::warn("[{}] {} ({}) disappeared while stopped after offset {}; bytes after it, if "
                 "any, could not be read",
                 options_.category, r.path, to_string(r.file), r.offset);
  }
  resume_.clear();
  return success();
}

void SourceWatcher::setup_inotify() {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    spdlog::warn("[{}] inotify unavailable ({}); polling only", options_.category,
                 std::strerror(errno));
    return;
  }
  std::set<std::string> dirs;
  for (const auto& g : options_.globs) {
    const auto parent = std::filesystem::path(g).parent_path();
    std::string dir = parent.empty() ? std::string(".") : parent.string();
    if (has_wildcard(dir)) continue;  // polled only
    dirs.insert(dir);
  }
  constexpr uint32_t kMask = IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_MODIFY |
                             IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF;
  for (const auto& dir : dirs) {
    if (::inotify_add_watch(inotify_fd_, dir.c_str(), kMask) < 0) {
      spdlog::warn("[{}] cannot watch {} ({}); polling it", options_.category, dir,
                   std::strerror(errno));
    }
  }
}

bool SourceWatcher::drain_inotify() {
  if (inotify_fd_ < 0) return false;
  bool any = false;
  alignas(inotify_event) char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(inotify_fd_, buf, sizeof(buf));
    if (n > 0) {
      any = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return any;  // EAGAIN: drained
  }
}

SourceWatcher::Tracked* SourceWatcher::find(uint64_t dev, uint64_t ino) {
  for (auto& t : files_) {
    if (t.tailer && t.tailer->identity().dev == dev && t.tailer->identity().ino == ino) return &t;
  }
  return nullptr;
}

size_t SourceWatcher::check_descriptors() {
  size_t found = 0;
  for (auto& t : files_) {
    if (!t.tailer || t.finished) continue;
    auto& tailer = *t.tailer;
    auto st = tailer.stat();
    if (!st) {
      spdlog::error("[{}] fstat {}: {}", options_.category, tailer.path(), st.error().message());
      continue;
    }
    const uint64_t size = st.value().size;
    if (t.undecided_since < 0) {
      bool truncated = size < tailer.read_offset();
      if (!truncated) {
        auto replaced = tailer.content_replaced(tailer.read_offset());  // also refines a provisional identity
        truncated = replaced && replaced.value();
      }
      if (truncated) {
        on_truncated(t);
        ++found;
      }
    }
    t.last_size = size;
  }
  return found;
}

void SourceWatcher::remember_truncation(Truncation truncation) {
  truncated_.push_back(std::move(truncation));
  if (truncated_.size() > kMaxTruncations) truncated_.erase(truncated_.begin());
}

void SourceWatcher::on_truncated(Tracked& t) {
  auto& tailer = *t.tailer;
  const TimeMs now = clock_.now_ms();
  const CopyStart started = start_waiting_copies(tailer);
  if (started != CopyStart::kNone) {
    spdlog::info("[{}] {} was truncated (copytruncate); its copy carries on", options_.category, tailer.path());
  } else {
    const uint64_t unread = t.last_size > tailer.read_offset() ? t.last_size - tailer.read_offset() : 0;
    spdlog::info("[{}] {} ({}) was truncated (copytruncate) at read offset {}; reading it again from 0",
                 options_.category, tailer.path(), to_string(tailer.identity()), tailer.read_offset());
    if (fingerprint_length(tailer.identity().fingerprint) >= kMinCopyPrefix) {
      // The unread bytes are lost unless a copy of the old content turns up soon.
      remember_truncation(
          {tailer.identity(), tailer.head_crc(), tailer.position(), tailer.read_offset(), unread, tailer.path(), now});
    } else {
      lose_truncated_bytes(tailer.path(), tailer.read_offset(), unread);
    }
  }
  // On to the new content at once, so that a second truncation before the next read is
  // seen too, and a copy of the new content starts at the right offset. The old
  // content's unterminated last line goes out as its last event unless a copy has it.
  const bool copy_has_pending = started == CopyStart::kWithPendingLine;
  if (auto r = tailer.restart_after_truncation(now, copy_has_pending); !r) {
    spdlog::error("[{}] {}: cannot restart after the truncation: {}", options_.category, tailer.path(),
                  r.error().message());
  }
}

std::optional<SourceWatcher::CopySource> SourceWatcher::copy_source(FileTailer& tailer) {
  const uint64_t fp = tailer.identity().fingerprint;
  const uint32_t len = fingerprint_length(fp);
  const auto head = tailer.head_crc();
  if (len < kMinCopyPrefix || !head) return std::nullopt;  // too short a prefix says nothing
  for (size_t i = truncated_.size(); i-- > 0;) {  // newest first
    const Truncation& tr = truncated_[i];
    // The old content is known by as many first bytes as had been read of it.
    const uint32_t known = fingerprint_length(tr.content.fingerprint);
    if (known > len || (tr.head && tr.head != head)) continue;
    if (known == len ? tr.content.fingerprint != fp : !starts_with(tailer, tr.content.fingerprint)) continue;
    if (tr.unread > 0) {
      spdlog::info("[{}] the {} bytes of {} beyond read offset {} live on in its copy {}", options_.category,
                   tr.unread, tr.path, tr.read_offset, tailer.path());
    }
    CopySource source{tr.read_offset, tr.position, tr.content, nullptr};
    truncated_.erase(truncated_.begin() + static_cast<ptrdiff_t>(i));  // one copy carries it on
    return source;
  }
  for (auto& t : files_) {
    if (!t.tailer || t.tailer.get() == &tailer || t.copy_of || t.undecided_since >= 0) continue;
    auto& other = *t.tailer;
    // A known, different head rules it out without a read; else the original's bytes as
    // they are now decide, however few of them it has been read.
    if (other.head_crc() && other.head_crc() != head) continue;
    if (starts_with(other, fp)) return CopySource{other.read_offset(), other.position(), {}, &t};
  }
  // A position from before a restart whose own inode no longer starts with these bytes
  // (it was truncated while the agent was down): this file carries its content on.
  // Only at the start: later resume points are finished files, not truncated ones.
  if (started_) return std::nullopt;
  for (const auto& r : resume_) {
    const uint32_t rlen = fingerprint_length(r.file.fingerprint);
    if (rlen < kMinCopyPrefix || rlen > len) continue;
    if (r.file.dev == tailer.identity().dev && r.file.ino == tailer.identity().ino) continue;
    if (starts_with(tailer, r.file.fingerprint)) return CopySource{r.offset, r.offset, {}, nullptr};
  }
  return std::nullopt;
}

SourceWatcher::CopyStart SourceWatcher::start_waiting_copies(const FileTailer& original) {
  CopyStart started = CopyStart::kNone;
  const TimeMs now = clock_.now_ms();
  for (auto& t : files_) {
    if (!t.copy_of || t.copy_of->first != original.identity().dev || t.copy_of->second != original.identity().ino) {
      continue;
    }
    auto& copy = *t.tailer;
    auto replaced = copy.content_replaced(0);  // refines the identity the checkpoint records
    auto st = copy.stat();
    if (!replaced || replaced.value() || !st) {
      spdlog::warn("[{}] {} changed while it waited as a copy of {}; reading it as a new file", options_.category,
                   copy.path(), original.path());
      if (replaced && replaced.value()) (void)copy.restart_after_truncation(now, /*drop_pending=*/true);
      t.copy_of.reset();
      continue;
    }
    // The copy starts where the original's events end. Lines written to the original
    // after the copy was made were read from the original: if the copy does not reach
    // the original's read offset, it starts at its own end, and the original hands out
    // its unterminated last line itself.
    const uint64_t size = st.value().size;
    const bool has_pending_line = size >= original.read_offset();
    const uint64_t start = has_pending_line ? original.position() : std::min(original.position(), size);
    if (auto sought = copy.seek(start, now); !sought) {
      spdlog::error("[{}] {}: cannot start the copy at {}: {}", options_.category, copy.path(), start,
                    sought.error().message());
      continue;
    }
    t.copy_of.reset();
    t.last_size = size;
    adopted_copies_.push_back({copy.identity(), start, now, copy.path()});
    spdlog::info("[{}] {} (copy of {}) starts at {}", options_.category, copy.path(), original.path(), start);
    if (started == CopyStart::kNone) started = has_pending_line ? CopyStart::kWithPendingLine : CopyStart::kStarted;
  }
  return started;
}

SourceWatcher::Tracked& SourceWatcher::adopt(std::unique_ptr<FileTailer> tailer, bool rotated) {
  Tracked t;
  auto st = tailer->stat();
  t.last_size = st ? st.value().size : 0;
  t.tailer = std::move(tailer);
  t.seen = !rotated;
  t.rotated = rotated;
  files_.push_back(std::move(t));
  return files_.back();
}

void SourceWatcher::discover(const std::string& path, uint64_t dev, uint64_t ino) {
  auto opened = FileTailer::open(path, options_.max_event_bytes, options_.time_zone.get());
  if (!opened) {
    // Gone between glob and open: the next poll sees what took its place.
    if (opened.error() == std::errc::no_such_file_or_directory) return;
    if (unopened_.failed(path, clock_.now_ms())) {
      spdlog::warn("[{}] cannot open {}: {}; trying again with backoff (up to {} s), reported again once it opens",
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
    if (Tracked* t = find(id.dev, id.ino)) {
      t->seen = true;
      return;
    }
  }
  for (auto it = resume_.begin(); it != resume_.end(); ++it) {
    if (it->file.dev != id.dev || it->file.ino != id.ino) continue;
    auto same = fd_matches(tailer->fd(), it->file);
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
      // Truncated while the agent was down (copytruncate): a copy of the old content
      // found later carries on from the recorded offset.
      if (fingerprint_length(it->file.fingerprint) >= kMinCopyPrefix) {
        remember_truncation({it->file, std::nullopt, it->offset, it->offset, 0, it->path, clock_.now_ms()});
      }
    }
    resume_.erase(it);
    adopt(std::move(tailer), false);
    return;
  }
  Tracked& t = adopt(std::move(tailer), false);
  t.undecided_since = clock_.now_ms();
  decide(t, /*force=*/false);
}

void SourceWatcher::decide(Tracked& t, bool force) {
  auto& tailer = *t.tailer;
  const TimeMs now = clock_.now_ms();
  auto replaced = tailer.content_replaced(0);  // refines the identity as the file fills
  if (!replaced) {
    spdlog::error("[{}] {}: {}", options_.category, tailer.path(), replaced.error().message());
    return;
  }
  if (replaced.value()) (void)tailer.restart_after_truncation(now, /*drop_pending=*/true);  // nothing read yet
  const uint32_t len = fingerprint_length(tailer.identity().fingerprint);
  if (!force && len == 0) {
    t.undecided_since = now;  // nothing to read either way; the wait starts with the first bytes
    return;
  }
  const bool may_wait = !force && now - t.undecided_since < kDecideAfterMs;
  // Files there before the start are not being copied right now, unless still empty.
  if (len < kMinCopyPrefix && may_wait && started_) return;  // perhaps a copy still being written

  auto source = copy_source(tailer);
  // The original may have been truncated after this poll looked at it, and the copy may
  // have grown since it was opened. A copy is whole before its original is truncated,
  // so looking at the originals again, then at the copy, settles it.
  if (!source && len >= kMinCopyPrefix && check_descriptors() > 0) {
    auto r = tailer.content_replaced(0);
    if (!r) return;
    if (r.value()) {
      (void)tailer.restart_after_truncation(now, /*drop_pending=*/true);  // nothing read yet
      return;
    }
    source = copy_source(tailer);
  }
  if (source && source->live_original) {
    // Matching a live file's first bytes is not enough while it has more of them to
    // compare: a copy being written grows to them at once, a new file that only shares a
    // header (CSV, W3C) does not.
    auto original = source->live_original->tailer->stat();
    const uint64_t comparable = std::min<uint64_t>(kFingerprintBytes, original ? original.value().size : 0);
    if (fingerprint_length(tailer.identity().fingerprint) < comparable) {
      if (may_wait) return;
      spdlog::info("[{}] {} shares its first {} bytes with {} but is no copy of it", options_.category,
                   tailer.path(), fingerprint_length(tailer.identity().fingerprint),
                   source->live_original->tailer->path());
      source.reset();
    }
  }
  if (!source) {
    spdlog::info("[{}] new file {} ({})", options_.category, tailer.path(), to_string(tailer.identity()));
  } else if (Tracked* original = source->live_original) {
    spdlog::info("[{}] {} is a copy of {}, which is not truncated (yet): the copy waits", options_.category,
                 tailer.path(), original->tailer->path());
    t.copy_of = std::make_pair(original->tailer->identity().dev, original->tailer->identity().ino);
    // The original's identity may know fewer first bytes than the copy was matched on
    // (nothing read of it yet): take them in, so that its truncation is seen. If it was
    // truncated meanwhile, the copy starts now.
    auto& o = *original->tailer;
    auto replaced = o.content_replaced(o.read_offset());
    auto same = starts_with_fingerprint(o.fd(), tailer.identity().fingerprint);
    if (replaced && same && (replaced.value() || !same.value())) on_truncated(*original);
  } else {
    // The copy carries on where the original's events were read to, but never past its
    // own end (lines written after the copy was made were read from the original). If
    // the original's unterminated last line was not handed out yet, the copy has it whole.
    auto st = tailer.stat();
    const uint64_t size = st ? st.value().size : 0;
    uint64_t start = std::min(source->offset, size);
    if (size >= source->offset && source->position < source->offset) {
      Tracked* o = find(source->original.dev, source->original.ino);
      if (o != nullptr && o->tailer->drop_old_tail(source->original, source->position)) start = source->position;
    }
    spdlog::info("[{}] {} is a copy of a file already read up to {}; resuming at {}", options_.category,
                 tailer.path(), source->offset, start);
    if (auto sought = tailer.seek(start, now); !sought) {
      spdlog::error("[{}] {}: cannot resume at {}: {}", options_.category, tailer.path(), start,
                    sought.error().message());
      return;  // tried again at the next poll
    }
    adopted_copies_.push_back({tailer.identity(), start, now, tailer.path()});
  }
  t.undecided_since = -1;
}

void SourceWatcher::recheck_waiting_copies() {
  for (auto& t : files_) {
    if (!t.copy_of) continue;
    Tracked* original = find(t.copy_of->first, t.copy_of->second);
    if (original == nullptr) continue;  // poll() lets it go
    auto& copy = *t.tailer;
    auto& o = *original->tailer;
    // A copy is a snapshot of the original: never longer, and the original starts with it
    // until it is truncated.
    auto replaced = copy.content_replaced(0);
    auto copy_size = copy.stat();
    auto original_size = o.stat();
    auto same = starts_with_fingerprint(o.fd(), copy.identity().fingerprint);
    if (!replaced || !copy_size || !original_size || !same) continue;  // look again next time
    if (!replaced.value() && copy_size.value().size <= original_size.value().size && same.value()) continue;
    check_descriptors();  // truncated just now: then the copy has started
    if (!t.copy_of) continue;
    spdlog::info("[{}] {} is no copy of {} after all; reading it as a new file", options_.category, copy.path(),
                 o.path());
    if (replaced.value()) (void)copy.restart_after_truncation(clock_.now_ms(), /*drop_pending=*/true);
    t.copy_of.reset();
  }
}

void SourceWatcher::lose_truncated_bytes(const std::string& path, uint64_t read_offset, uint64_t bytes) {
  if (bytes == 0) return;
  unreadable_bytes_ += bytes;
  spdlog::error("[{}] {} was truncated at read offset {}: {} bytes written before the truncation were never "
                "read (unreadable)",
                options_.category, path, read_offset, bytes);
}

void SourceWatcher::count_unclaimed_truncations() {
  for (auto& tr : truncated_) {
    if (tr.reported || clock_.now_ms() - tr.at_ms < kClaimWaitMs) continue;
    tr.reported = true;
    if (tr.unread > 0) {
      lose_truncated_bytes(tr.path, tr.read_offset, tr.unread);
      tr.unread = 0;
    } else {
      // Lines written after the last look and before the truncation were only in the
      // copy; how many, no one can tell without it.
      spdlog::warn("[{}] {} was truncated (copytruncate) at read offset {} and no copy of it was found at a glob "
                   "path or beside it: lines written after that offset before the truncation, if any, are lost",
                   options_.category, tr.path, tr.read_offset);
    }
  }
}

void SourceWatcher::find_copies_beside_truncations() {
  // Snapshot: adopting a copy claims (erases) its truncation.
  std::vector<std::pair<std::string, uint64_t>> unclaimed;
  for (const auto& tr : truncated_) {
    if (!tr.reported && clock_.now_ms() - tr.at_ms < kClaimWaitMs) unclaimed.emplace_back(tr.path, tr.content.fingerprint);
  }
  for (const auto& [original, fingerprint] : unclaimed) {
    for (const auto& f : copies_beside(original, fingerprint)) {
      if (find(f.dev, f.ino)) continue;
      const size_t adopted_before = adopted_copies_.size();
      discover(f.path, f.dev, f.ino);
      Tracked* t = find(f.dev, f.ino);
      if (t == nullptr) continue;
      if (adopted_copies_.size() == adopted_before || !same_inode(adopted_copies_.back().file, t->tailer->identity())) {
        // Not taken for the copy of a truncation after all: no glob names it, so it is
        // not ours to read.
        std::erase_if(files_, [t](const Tracked& x) { return &x == t; });
        next_live_ = 0;
        continue;
      }
      spdlog::info("[{}] {}, the copy of truncated {}, sits beside it where no glob names it; reading it to its end",
                   options_.category, f.path, original);
      t->seen = false;
      t->rotated = true;  // read to its end, finished, then let go
    }
  }
}

Result<void> SourceWatcher::poll() {
  needs_poll_ = false;
  // Truncation first, so that a copytruncate copy found below is recognised as a copy.
  check_descriptors();
  for (auto& t : files_) t.seen = false;
  auto found = expand_globs(options_.globs);
  // Files with a resume point first: an original truncated while the agent was down
  // must be known as such before its copy is looked at.
  std::stable_partition(found.begin(), found.end(), [this](const Found& f) {
    return std::any_of(resume_.begin(), resume_.end(),
                       [&f](const ResumePoint& r) { return r.file.dev == f.dev && r.file.ino == f.ino; });
  });
  std::set<std::string> found_paths;
  for (const auto& f : found) {
    found_paths.insert(f.path);
    if (Tracked* t = find(f.dev, f.ino)) {
      t->seen = true;
      if (t->tailer->path() != f.path) {
        if (!t->rotated) {
          spdlog::info("[{}] {} was renamed to {}; reading it to its end", options_.category,
                       t->tailer->path(), f.path);
        }
        t->rotated = true;
        t->tailer->set_path(f.path);
      }
      continue;
    }
    if (unopened_.due(f.path, clock_.now_ms())) discover(f.path, f.dev, f.ino);
  }
  unopened_.keep_only(found_paths);
  find_copies_beside_truncations();
  for (auto& t : files_) {
    if (t.undecided_since >= 0) decide(t, /*force=*/!t.seen);
  }
  recheck_waiting_copies();
  count_unclaimed_truncations();
  // After the start, resume points only carry released files to their rediscovery.
  if (started_) resume_.clear();
  // A waiting copy is dropped when it goes away or its original is rotated away without
  // a truncation: the original was (or will be) read whole, the copy is never needed.
  std::set<std::pair<uint64_t, uint64_t>> live_originals;
  for (const auto& o : files_) {
    if (o.tailer && !o.copy_of && !o.rotated) live_originals.insert({o.tailer->identity().dev, o.tailer->identity().ino});
  }
  if (std::erase_if(files_, [&](const Tracked& t) {
        return t.copy_of && (!t.seen || !live_originals.count(*t.copy_of));
      }) > 0) {
    next_live_ = 0;
  }
  for (auto& t : files_) {
    if (t.tailer && !t.seen && !t.rotated) {
      spdlog::info("[{}] {} was deleted or moved away; reading it to its end",
                   options_.category, t.tailer->path());
      t.rotated = true;
    }
  }
  return success();
}

Result<ReadChunk> SourceWatcher::read_from(Tracked& t, size_t max_bytes) {
  const TimeMs now = clock_.now_ms();
  auto& tailer = *t.tailer;
  for (;;) {
    const uint64_t before = tailer.read_offset();
    const bool final = t.rotated && t.eof_since >= 0 && now - t.eof_since >= options_.rotate_wait_ms;
    BOOST_OUTCOME_TRY(chunk, tailer.read(max_bytes, now, final));
    if (tailer.replacement_found()) {
      // Found by this read, which handed out nothing. Its copy, if any, is found by the
      // next poll, before anything more is read: the checkpoint learns where the copy
      // starts before it learns the original's new content.
      on_truncated(t);
      needs_poll_ = true;
      return chunk;
    }
    if (tailer.read_offset() != before) t.eof_since = -1;
    if (tailer.at_eof() && t.rotated && t.eof_since < 0) t.eof_since = now;
    if (final && tailer.at_eof() && tailer.read_offset() == tailer.position()) {
      t.finished = true;
      spdlog::info("[{}] finished {} ({}) at {}", options_.category, tailer.path(),
                   to_string(tailer.identity()), tailer.position());
    }
    t.last_size = std::max(t.last_size, tailer.read_offset());
    if (!chunk.empty() || tailer.at_eof() || t.finished) return chunk;
    // Read bytes but no complete line yet (a long line or small max_bytes): read on.
  }
}

Result<ReadChunk> SourceWatcher::read_some(size_t max_bytes) {
  if (needs_poll_) return ReadChunk{};
  // Drop finished files nobody needs to hold.
  if (!options_.hold_finished) {
    std::erase_if(files_, [](const Tracked& t) { return t.finished; });
  }
  // Rotated files first: they are older and their writers have moved on.
  for (auto& t : files_) {
    if (!t.rotated || t.finished || t.copy_of || t.undecided_since >= 0) continue;
    BOOST_OUTCOME_TRY(chunk, read_from(t, max_bytes));
    if (!chunk.empty()) return chunk;
  }
  const size_t n = files_.size();
  for (size_t i = 0; i < n; ++i) {
    auto& t = files_[(next_live_ + i) % n];
    if (t.rotated || t.finished || t.copy_of || t.undecided_since >= 0) continue;
    BOOST_OUTCOME_TRY(chunk, read_from(t, max_bytes));
    if (!chunk.empty()) {
      next_live_ = (next_live_ + i + 1) % n;
      return chunk;
    }
  }
  return ReadChunk{};
}

Result<std::unique_ptr<FileTailer>> SourceWatcher::open_by_identity(const FileIdentity& file) {
  // Current glob matches, then last known names of tracked files.
  std::vector<std::string> paths;
  for (const auto& f : expand_globs(options_.globs)) {
    if (f.dev == file.dev && f.ino == file.ino) paths.push_back(f.path);
  }
  for (const auto& r : resume_) {
    if (r.file.dev == file.dev && r.file.ino == file.ino) paths.push_back(r.path);
  }
  for (const auto& p : paths) {
    auto opened = FileTailer::open(p, options_.max_event_bytes, options_.time_zone.get());
    if (!opened) continue;
    auto same = fd_matches(opened.value()->fd(), file);
    if (same && same.value()) return std::move(opened).value();
  }
  return Errc::kFileGone;
}

Result<std::string> SourceWatcher::read_range(const FileIdentity& file, uint64_t offset,
                                              uint64_t length) {
  for (auto& t : files_) {
    if (!t.tailer) continue;
    auto same = fd_matches(t.tailer->fd(), file);
    if (same && same.value()) return pread_exact(t.tailer->fd(), offset, length);
  }
  auto opened = open_by_identity(file);
  if (opened) return pread_exact(opened.value()->fd(), offset, length);
  // The original was truncated (copytruncate) but a copy with the same first bytes is
  // tracked: the range lives on there.
  if (fingerprint_length(file.fingerprint) >= kMinCopyPrefix) {
    for (auto& t : files_) {
      if (!t.tailer || t.tailer->identity().dev != file.dev || t.tailer->identity().ino == file.ino) continue;
      auto st = t.tailer->stat();
      if (st && st.value().size >= offset + length && starts_with(*t.tailer, file.fingerprint)) {
        spdlog::info("[{}] reading {} {}+{} from its copy {}", options_.category,
                     to_string(file), offset, length, t.tailer->path());
        return pread_exact(t.tailer->fd(), offset, length);
      }
    }
  }
  return Errc::kFileGone;
}

Result<ReadChunk> SourceWatcher::reread(const FileIdentity& file, uint64_t offset,
                                        uint64_t length, TimeMs time) {
  // One byte before the range tells whether it starts inside a long line.
  const uint64_t from = offset > 0 ? offset - 1 : 0;
  BOOST_OUTCOME_TRY(bytes, read_range(file, from, length + (offset - from)));
  ReadChunk chunk;
  chunk.file = file;
  chunk.offset = offset;
  event::LineSplitter splitter(options_.max_event_bytes, options_.time_zone.get());
  if (offset > 0 && bytes[0] != '\n') splitter.resume_mid_line(time);
  chunk.bytes = bytes.substr(offset - from);
  splitter.split(chunk.bytes, offset, time, /*final=*/true, chunk.events);
  for (const auto& t : files_) {
    if (t.tailer && t.tailer->identity().dev == file.dev && t.tailer->identity().ino == file.ino) {
      chunk.path = t.tailer->path();
    }
  }
  return chunk;
}

std::vector<FileIdentity> SourceWatcher::finished_files() const {
  std::vector<FileIdentity> out;
  for (const auto& t : files_) {
    if (t.finished) out.push_back(t.tailer->identity());
  }
  return out;
}

void SourceWatcher::release(const FileIdentity& file) {
  for (auto it = files_.begin(); it != files_.end(); ++it) {
    if (!it->finished || !(it->tailer->identity() == file)) continue;
    // If its name still matches a glob, rediscovery resumes at its end.
    resume_.push_back({file, it->tailer->position(), 0, it->tailer->path()});
    files_.erase(it);
    next_live_ = 0;
    return;
  }
}

std::vector<ResumePoint> SourceWatcher::take_adopted_copies() {
  return std::exchange(adopted_copies_, {});
}

uint64_t SourceWatcher::backlog_bytes() const {
  uint64_t total = 0;
  for (const auto& t : files_) {
    if (t.tailer && t.last_size > t.tailer->position()) total += t.last_size - t.tailer->position();
  }
  return total;
}

std::vector<TrackedFileInfo> SourceWatcher::files() const {
  std::vector<TrackedFileInfo> out;
  for (const auto& t : files_) {
    out.push_back({t.tailer->identity(), t.tailer->path(), t.tailer->position(), t.last_size,
                   t.rotated, t.finished});
  }
  return out;
}

}  // namespace ferry::agent::tail
