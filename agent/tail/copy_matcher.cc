#include "agent/tail/copy_matcher.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "agent/tail/errc.h"

namespace ferry::agent::tail {

CopyMatcher::CopyMatcher(const std::string& category, const Clock& clock,
                         std::vector<TrackedFile>& files, const std::vector<ResumePoint>& resume,
                         uint64_t& unreadable_bytes)
    : category_(category),
      clock_(clock),
      files_(files),
      resume_(resume),
      unreadable_bytes_(unreadable_bytes) {}

void CopyMatcher::restart(FileTailer& tailer, bool drop_pending) {
  if (auto r = tailer.restart_after_truncation(clock_.now_ms(), drop_pending); !r) {
    report(tailer.path(), "cannot restart after the truncation", r.error());
  }
}

void CopyMatcher::report(const std::string& path, std::string_view what, std::error_code ec) const {
  // First bytes still being rewritten are a race that the next look settles, not an error.
  const auto level = ec == Errc::kRangeUnavailable ? spdlog::level::debug : spdlog::level::err;
  spdlog::log(level, "[{}] {}: {}: {}", category_, path, what, ec.message());
}

bool CopyMatcher::starts_with(const FileTailer& tailer, uint64_t fingerprint) const {
  auto same = starts_with_fingerprint(tailer.fd(), fingerprint);
  if (!same) {
    report(tailer.path(), "cannot compare its first bytes", same.error());
    return false;
  }
  return same.value();
}

size_t CopyMatcher::check_descriptors() {
  size_t found = 0;
  for (auto& t : files_) {
    if (t.finished()) continue;
    auto& tailer = t.tailer();
    auto st = tailer.stat();
    if (!st) {
      spdlog::error("[{}] fstat {}: {}", category_, tailer.path(), st.error().message());
      continue;
    }
    const uint64_t size = st.value().size;
    if (t.state() != FileState::kUndecided) {
      bool truncated = size < tailer.read_offset();
      if (!truncated) {
        auto replaced =
            tailer.content_replaced(tailer.read_offset());  // also refines a provisional identity
        if (!replaced)
          report(tailer.path(), "cannot tell whether it was truncated", replaced.error());
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

void CopyMatcher::on_truncated(TrackedFile& t) {
  auto& tailer = t.tailer();
  const CopyStart started = start_waiting_copies(tailer);
  if (started != CopyStart::kNone) {
    spdlog::info("[{}] {} was truncated (copytruncate); its copy carries on", category_,
                 tailer.path());
  } else {
    const uint64_t unread =
        t.last_size > tailer.read_offset() ? t.last_size - tailer.read_offset() : 0;
    spdlog::info(
        "[{}] {} ({}) was truncated (copytruncate) at read offset {}; reading it again from 0",
        category_, tailer.path(), to_string(tailer.identity()), tailer.read_offset());
    if (fingerprint_length(tailer.identity().fingerprint) >= kMinCopyPrefix) {
      // The unread bytes are lost unless a copy of the old content turns up soon.
      truncations_.remember({tailer.identity(), tailer.head_crc(), tailer.position(),
                             tailer.read_offset(), unread, tailer.path(), clock_.now_ms()});
    } else {
      lose_truncated_bytes(tailer.path(), tailer.read_offset(), unread);
    }
  }
  // On to the new content at once, so that a second truncation before the next read is
  // seen too, and a copy of the new content starts at the right offset. The old
  // content's unterminated last line goes out as its last event unless a copy has it.
  restart(tailer, /*drop_pending=*/started == CopyStart::kWithPendingLine);
}

std::optional<CopyMatcher::CopySource> CopyMatcher::copy_source(const FileTailer& tailer,
                                                                bool started) {
  const uint64_t fp = tailer.identity().fingerprint;
  const uint32_t len = fingerprint_length(fp);
  const auto head = tailer.head_crc();
  if (len < kMinCopyPrefix || !head) return std::nullopt;  // too short a prefix says nothing
  auto claimed =
      truncations_.claim(fp, head, [&](uint64_t prefix) { return starts_with(tailer, prefix); });
  if (claimed) {
    if (claimed->unread > 0) {
      spdlog::info("[{}] the {} bytes of {} beyond read offset {} live on in its copy {}",
                   category_, claimed->unread, claimed->path, claimed->read_offset, tailer.path());
    }
    return CopySource{claimed->read_offset, claimed->position, claimed->content, nullptr};
  }
  for (auto& t : files_) {
    if (&t.tailer() == &tailer || t.state() == FileState::kWaitingCopy ||
        t.state() == FileState::kUndecided) {
      continue;
    }
    auto& other = t.tailer();
    // A known, different head rules it out without a read; else the original's bytes as
    // they are now decide, however few of them it has been read.
    if (other.head_crc() && other.head_crc() != head) continue;
    if (starts_with(other, fp)) return CopySource{other.read_offset(), other.position(), {}, &t};
  }
  // A position from before a restart whose own inode no longer starts with these bytes
  // (it was truncated while the agent was down): this file carries its content on.
  // Only at the start: later resume points are finished files, not truncated ones.
  if (started) return std::nullopt;
  for (const auto& r : resume_) {
    const uint32_t rlen = fingerprint_length(r.file.fingerprint);
    if (rlen < kMinCopyPrefix || rlen > len) continue;
    if (same_inode(r.file, tailer.identity())) continue;
    if (starts_with(tailer, r.file.fingerprint)) return CopySource{r.offset, r.offset, {}, nullptr};
  }
  return std::nullopt;
}

CopyMatcher::CopyStart CopyMatcher::start_waiting_copies(const FileTailer& original) {
  CopyStart started = CopyStart::kNone;
  const TimeMs now = clock_.now_ms();
  for (auto& t : files_) {
    if (!t.copy_of(original.identity().dev, original.identity().ino)) continue;
    auto& copy = t.tailer();
    auto replaced = copy.content_replaced(0);  // refines the identity the checkpoint records
    auto st = copy.stat();
    if (!replaced || replaced.value() || !st) {
      if (!replaced || !st)
        report(copy.path(), "cannot read the waiting copy",
               !replaced ? replaced.error() : st.error());
      spdlog::warn("[{}] {} changed while it waited as a copy of {}; reading it as a new file",
                   category_, copy.path(), original.path());
      if (replaced && replaced.value()) restart(copy, /*drop_pending=*/true);
      t.start_reading();
      continue;
    }
    // The copy starts where the original's events end. Lines written to the original
    // after the copy was made were read from the original: if the copy does not reach
    // the original's read offset, it starts at its own end, and the original hands out
    // its unterminated last line itself.
    const uint64_t size = st.value().size;
    const bool has_pending_line = size >= original.read_offset();
    const uint64_t start =
        has_pending_line ? original.position() : std::min(original.position(), size);
    if (auto sought = copy.seek(start, now); !sought) {
      spdlog::error("[{}] {}: cannot start the copy at {}: {}", category_, copy.path(), start,
                    sought.error().message());
      continue;
    }
    t.start_reading();
    t.last_size = size;
    adopted_copies_.push_back({copy.identity(), start, now, copy.path()});
    spdlog::info("[{}] {} (copy of {}) starts at {}", category_, copy.path(), original.path(),
                 start);
    if (started == CopyStart::kNone)
      started = has_pending_line ? CopyStart::kWithPendingLine : CopyStart::kStarted;
  }
  return started;
}

void CopyMatcher::decide(TrackedFile& t, bool force, bool started) {
  auto& tailer = t.tailer();
  const TimeMs now = clock_.now_ms();
  auto replaced = tailer.content_replaced(0);  // refines the identity as the file fills
  if (!replaced) {
    spdlog::error("[{}] {}: {}", category_, tailer.path(), replaced.error().message());
    return;
  }
  if (replaced.value()) restart(tailer, /*drop_pending=*/true);  // nothing read yet
  const uint32_t len = fingerprint_length(tailer.identity().fingerprint);
  if (!force && len == 0) {
    t.restart_undecided_wait(
        now);  // nothing to read either way; the wait starts with the first bytes
    return;
  }
  const bool may_wait = !force && now - t.undecided_since() < kDecideAfterMs;
  // Files there before the start are not being copied right now, unless still empty.
  if (len < kMinCopyPrefix && may_wait && started) return;  // perhaps a copy still being written

  auto source = copy_source(tailer, started);
  // The original may have been truncated after this poll looked at it, and the copy may
  // have grown since it was opened. A copy is whole before its original is truncated,
  // so looking at the originals again, then at the copy, settles it.
  if (!source && len >= kMinCopyPrefix && check_descriptors() > 0) {
    auto r = tailer.content_replaced(0);
    if (!r) {
      report(tailer.path(), "cannot read its first bytes", r.error());
      return;
    }
    if (r.value()) {
      restart(tailer, /*drop_pending=*/true);  // nothing read yet
      return;
    }
    source = copy_source(tailer, started);
  }
  if (source && source->live_original) {
    // Matching a live file's first bytes is not enough while it has more of them to
    // compare: a copy being written grows to them at once, a new file that only shares a
    // header (CSV, W3C) does not.
    auto original = source->live_original->tailer().stat();
    const uint64_t comparable =
        std::min<uint64_t>(kFingerprintBytes, original ? original.value().size : 0);
    if (fingerprint_length(tailer.identity().fingerprint) < comparable) {
      if (may_wait) return;
      spdlog::info("[{}] {} shares its first {} bytes with {} but is no copy of it", category_,
                   tailer.path(), fingerprint_length(tailer.identity().fingerprint),
                   source->live_original->tailer().path());
      source.reset();
    }
  }
  if (!source) {
    spdlog::info("[{}] new file {} ({})", category_, tailer.path(), to_string(tailer.identity()));
    t.start_reading();
  } else if (TrackedFile* original = source->live_original) {
    auto& o = original->tailer();
    spdlog::info("[{}] {} is a copy of {}, which is not truncated (yet): the copy waits", category_,
                 tailer.path(), o.path());
    t.wait_for_original(o.identity().dev, o.identity().ino);
    // The original's identity may know fewer first bytes than the copy was matched on
    // (nothing read of it yet): take them in, so that its truncation is seen. If it was
    // truncated meanwhile, the copy starts now.
    auto o_replaced = o.content_replaced(o.read_offset());
    auto same = starts_with_fingerprint(o.fd(), tailer.identity().fingerprint);
    if (!o_replaced || !same) {
      report(o.path(), "cannot tell whether it was truncated",
             !o_replaced ? o_replaced.error() : same.error());
    } else if (o_replaced.value() || !same.value()) {
      on_truncated(*original);
    }
  } else {
    resume_copy(t, *source);
  }
}

void CopyMatcher::resume_copy(TrackedFile& t, const CopySource& source) {
  auto& tailer = t.tailer();
  const TimeMs now = clock_.now_ms();
  // The copy carries on where the original's events were read to, but never past its
  // own end (lines written after the copy was made were read from the original). If the
  // original's unterminated last line was not handed out yet, the copy has it whole.
  auto st = tailer.stat();
  const uint64_t size = st ? st.value().size : 0;
  uint64_t start = std::min(source.offset, size);
  if (size >= source.offset && source.position < source.offset) {
    TrackedFile* o = find_tracked(files_, source.original.dev, source.original.ino);
    if (o != nullptr && o->tailer().drop_old_tail(source.original, source.position))
      start = source.position;
  }
  spdlog::info("[{}] {} is a copy of a file already read up to {}; resuming at {}", category_,
               tailer.path(), source.offset, start);
  if (auto sought = tailer.seek(start, now); !sought) {
    spdlog::error("[{}] {}: cannot resume at {}: {}", category_, tailer.path(), start,
                  sought.error().message());
    return;  // tried again at the next poll
  }
  adopted_copies_.push_back({tailer.identity(), start, now, tailer.path()});
  t.start_reading();
}

void CopyMatcher::recheck_waiting_copies() {
  for (auto& t : files_) {
    if (t.state() != FileState::kWaitingCopy) continue;
    TrackedFile* original = find_tracked(files_, t.original().first, t.original().second);
    if (original == nullptr) continue;  // poll() lets it go
    auto& copy = t.tailer();
    auto& o = original->tailer();
    // A copy is a snapshot of the original: never longer, and the original starts with it
    // until it is truncated.
    auto replaced = copy.content_replaced(0);
    auto copy_size = copy.stat();
    auto original_size = o.stat();
    auto same = starts_with_fingerprint(o.fd(), copy.identity().fingerprint);
    if (!replaced || !copy_size || !original_size || !same) {
      const std::error_code error = !replaced        ? replaced.error()
                                    : !copy_size     ? copy_size.error()
                                    : !original_size ? original_size.error()
                                                     : same.error();
      report(
          copy.path(),
          "cannot compare it with its original " + o.path() + " (looking again at the next poll)",
          error);
      continue;
    }
    if (!replaced.value() && copy_size.value().size <= original_size.value().size && same.value())
      continue;
    check_descriptors();  // truncated just now: then the copy has started
    if (t.state() != FileState::kWaitingCopy) continue;
    spdlog::info("[{}] {} is no copy of {} after all; reading it as a new file", category_,
                 copy.path(), o.path());
    if (replaced.value()) restart(copy, /*drop_pending=*/true);
    t.start_reading();
  }
}

void CopyMatcher::lose_truncated_bytes(const std::string& path, uint64_t read_offset,
                                       uint64_t bytes) {
  if (bytes == 0) return;
  unreadable_bytes_ += bytes;
  spdlog::error(
      "[{}] {} was truncated at read offset {}: {} bytes written before the truncation were never "
      "read (unreadable)",
      category_, path, read_offset, bytes);
}

void CopyMatcher::count_unclaimed_truncations() {
  for (const auto& tr : truncations_.take_expired(clock_.now_ms())) {
    if (tr.unread > 0) {
      lose_truncated_bytes(tr.path, tr.read_offset, tr.unread);
    } else {
      // Lines written after the last look and before the truncation were only in the
      // copy; how many, no one can tell without it.
      spdlog::warn(
          "[{}] {} was truncated (copytruncate) at read offset {} and no copy of it was found at a "
          "glob "
          "path or beside it: lines written after that offset before the truncation, if any, are "
          "lost",
          category_, tr.path, tr.read_offset);
    }
  }
}

void CopyMatcher::remember_truncated_while_stopped(const ResumePoint& point) {
  if (fingerprint_length(point.file.fingerprint) < kMinCopyPrefix) return;
  truncations_.remember(
      {point.file, std::nullopt, point.offset, point.offset, 0, point.path, clock_.now_ms()});
}

std::vector<ResumePoint> CopyMatcher::take_adopted_copies() {
  return std::exchange(adopted_copies_, {});
}

}  // namespace ferry::agent::tail
