#include "agent/tail/tracked_file.h"

#include <algorithm>

#include "common/base/assert.h"

namespace ferry::agent::tail {

const char* to_string(FileState state) {
  switch (state) {
    case FileState::kUndecided:
      return "undecided";
    case FileState::kWaitingCopy:
      return "waiting copy";
    case FileState::kLive:
      return "live";
    case FileState::kRotated:
      return "rotated";
    case FileState::kFinished:
      return "finished";
  }
  return "?";
}

TrackedFile::TrackedFile(std::unique_ptr<FileTailer> tailer, FileState initial, TimeMs now)
    : tailer_(std::move(tailer)), state_(initial), undecided_since_(now) {
  FERRY_RELEASE_ASSERT(tailer_ != nullptr);
  FERRY_RELEASE_ASSERT(initial == FileState::kUndecided || initial == FileState::kLive ||
                       initial == FileState::kRotated);
  seen = initial != FileState::kRotated;
  auto st = tailer_->stat();
  last_size = st ? st.value().size : 0;
}

TimeMs TrackedFile::undecided_since() const {
  FERRY_RELEASE_ASSERT(state_ == FileState::kUndecided);
  return undecided_since_;
}

void TrackedFile::restart_undecided_wait(TimeMs now) {
  FERRY_RELEASE_ASSERT(state_ == FileState::kUndecided);
  undecided_since_ = now;
}

void TrackedFile::wait_for_original(uint64_t dev, uint64_t ino) {
  FERRY_RELEASE_ASSERT(state_ == FileState::kUndecided);
  state_ = FileState::kWaitingCopy;
  original_ = {dev, ino};
}

bool TrackedFile::copy_of(uint64_t dev, uint64_t ino) const {
  return state_ == FileState::kWaitingCopy && original_ == std::make_pair(dev, ino);
}

bool TrackedFile::copy_of_any_of(
    const std::vector<std::pair<uint64_t, uint64_t>>& originals) const {
  return state_ == FileState::kWaitingCopy &&
         std::find(originals.begin(), originals.end(), original_) != originals.end();
}

const std::pair<uint64_t, uint64_t>& TrackedFile::original() const {
  FERRY_RELEASE_ASSERT(state_ == FileState::kWaitingCopy);
  return original_;
}

void TrackedFile::start_reading() {
  FERRY_RELEASE_ASSERT(state_ == FileState::kUndecided || state_ == FileState::kWaitingCopy);
  state_ = moved_away_ ? FileState::kRotated : FileState::kLive;
  moved_away_ = false;
}

bool TrackedFile::move_away() {
  if (rotated()) return false;
  if (state_ == FileState::kLive) {
    state_ = FileState::kRotated;
  } else {
    moved_away_ = true;
  }
  return true;
}

void TrackedFile::note_at_end(TimeMs now) {
  FERRY_RELEASE_ASSERT(state_ == FileState::kRotated);
  if (!at_end_since_) at_end_since_ = now;
}

bool TrackedFile::done_waiting(TimeMs now, TimeMs wait_ms) const {
  return state_ == FileState::kRotated && at_end_since_ && now - *at_end_since_ >= wait_ms;
}

void TrackedFile::finish() {
  FERRY_RELEASE_ASSERT(state_ == FileState::kRotated);
  state_ = FileState::kFinished;
}

TrackedFile* find_tracked(std::vector<TrackedFile>& files, uint64_t dev, uint64_t ino) {
  for (auto& t : files) {
    if (t.tailer().identity().dev == dev && t.tailer().identity().ino == ino) return &t;
  }
  return nullptr;
}

}  // namespace ferry::agent::tail
