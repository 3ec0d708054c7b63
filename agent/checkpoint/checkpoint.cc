#include "agent/checkpoint/checkpoint.h"

#include <spdlog/spdlog.h>

#include "agent/checkpoint/errc.h"
#include "common/base/crash_point.h"
#include "common/storage/durable_file.h"

namespace ferry::agent::checkpoint {
namespace {

struct Loaded {
  bool exists = false;
  std::error_code error;  // set when it exists but is unusable
  AgentState state;
};

Loaded load_copy(const std::string& path) {
  Loaded out;
  auto bytes = storage::read_whole_file(path);
  if (!bytes) {
    if (bytes.error() != std::errc::no_such_file_or_directory) {
      out.exists = true;
      out.error = bytes.error();
    }
    return out;
  }
  out.exists = true;
  auto state = decode_state(bytes.value());
  if (!state) {
    out.error = state.error();
  } else {
    out.state = std::move(state).value();
  }
  return out;
}

const std::map<uint64_t, BatchRecord> kNoBatches;
const std::vector<FilePosition> kNoFiles;

}  // namespace

Result<std::unique_ptr<Checkpoint>> Checkpoint::open(std::string path) {
  std::unique_ptr<Checkpoint> cp(new Checkpoint(std::move(path)));
  const Loaded cur = load_copy(cp->path_);
  const Loaded prev = load_copy(cp->prev_path());
  const bool cur_ok = cur.exists && !cur.error;
  const bool prev_ok = prev.exists && !prev.error;

  if (!cur.exists && !prev.exists) {
    cp->state_.incarnation = make_incarnation();
    cp->dirty_ = true;  // the incarnation is on disk before the first batch goes out
    spdlog::info("checkpoint {}: none yet, starting fresh as incarnation {}", cp->path_,
                 cp->state_.incarnation);
    return cp;
  }
  if (cur.exists && cur.error) {
    spdlog::error("checkpoint {} is unusable ({}); falling back to {}", cp->path_,
                  cur.error.message(), cp->prev_path());
  }
  if (prev.exists && prev.error) {
    spdlog::warn("checkpoint copy {} is unusable ({})", cp->prev_path(), prev.error.message());
  }
  if (!cur_ok && !prev_ok) {
    spdlog::critical("checkpoint {}: no valid copy; refusing to guess sequence numbers", cp->path_);
    return Errc::kNoValidCopy;
  }
  if (cur_ok && (!prev_ok || cur.state.generation >= prev.state.generation)) {
    cp->state_ = cur.state;
    cp->loaded_from_ = Source::kCurrent;
  } else {
    if (cur_ok) {
      // A crash between writing .prev and the current copy.
      spdlog::warn(
          "checkpoint {} (generation {}) is older than {} (generation {}); using the "
          "newer copy",
          cp->path_, cur.state.generation, cp->prev_path(), prev.state.generation);
    } else if (!cur.exists) {
      spdlog::warn("checkpoint {} is missing; using {}", cp->path_, cp->prev_path());
    }
    cp->state_ = prev.state;
    cp->loaded_from_ = Source::kPrevious;
    spdlog::warn(
        "checkpoint loaded from {} (generation {}); unacked batches will be resent "
        "from there",
        cp->prev_path(), cp->state_.generation);
  }
  return cp;
}

std::vector<std::string> Checkpoint::streams() const {
  std::vector<std::string> out;
  for (const auto& [name, s] : state_.streams) out.push_back(name);
  return out;
}

StreamState& Checkpoint::stream(std::string_view name) {
  auto it = state_.streams.find(name);
  if (it == state_.streams.end())
    it = state_.streams.emplace(std::string(name), StreamState{}).first;
  return it->second;
}

uint64_t Checkpoint::next_seq(std::string_view name) const {
  auto it = state_.streams.find(name);
  return it == state_.streams.end() ? 1 : it->second.next_seq;
}

const std::map<uint64_t, BatchRecord>& Checkpoint::unacked(std::string_view name) const {
  auto it = state_.streams.find(name);
  return it == state_.streams.end() ? kNoBatches : it->second.unacked;
}

const std::vector<FilePosition>& Checkpoint::positions(std::string_view name) const {
  auto it = state_.streams.find(name);
  return it == state_.streams.end() ? kNoFiles : it->second.files;
}

Result<void> Checkpoint::record_batch(std::string_view name, const BatchRecord& record,
                                      std::string_view path) {
  StreamState& s = stream(name);
  if (record.seq != s.next_seq) return Errc::kSeqOutOfOrder;
  FilePosition* pos = nullptr;
  for (auto& f : s.files) {
    if (f.file.dev == record.file.dev && f.file.ino == record.file.ino) pos = &f;
  }
  if (pos != nullptr && record.offset > pos->offset) return Errc::kRangeGap;
  if (pos == nullptr) pos = &s.files.emplace_back();
  // Same inode: the same file grown (identity refined) or, at a lower offset, rewritten
  // after a truncation. Either way this batch's identity and end are the position now.
  pos->file = record.file;
  pos->offset = record.offset + record.length;
  pos->line_time_ms = record.max_time_ms;
  pos->path = std::string(path);
  s.unacked[record.seq] = record;
  ++s.next_seq;
  dirty_ = true;
  return success();
}

size_t Checkpoint::mark_delivered(std::string_view name, uint64_t seq) {
  auto it = state_.streams.find(name);
  if (it == state_.streams.end()) return 0;
  const size_t n = it->second.unacked.erase(seq);
  dirty_ = dirty_ || n > 0;
  return n;
}

size_t Checkpoint::mark_delivered_through(std::string_view name, uint64_t seq) {
  auto it = state_.streams.find(name);
  if (it == state_.streams.end()) return 0;
  auto& unacked = it->second.unacked;
  const auto end = unacked.upper_bound(seq);
  const size_t n = static_cast<size_t>(std::distance(unacked.begin(), end));
  unacked.erase(unacked.begin(), end);
  dirty_ = dirty_ || n > 0;
  return n;
}

void Checkpoint::note_position(std::string_view name, const FilePosition& position) {
  StreamState& s = stream(name);
  for (auto& f : s.files) {
    if (f.file.dev != position.file.dev || f.file.ino != position.file.ino) continue;
    if (f.file == position.file && f.offset >= position.offset) return;
    f = position;
    dirty_ = true;
    return;
  }
  s.files.push_back(position);
  dirty_ = true;
}

void Checkpoint::forget_file(std::string_view name, const batch::FileIdentity& file) {
  auto it = state_.streams.find(name);
  if (it == state_.streams.end()) return;
  const size_t n = std::erase_if(it->second.files, [&](const FilePosition& f) {
    return f.file.dev == file.dev && f.file.ino == file.ino;
  });
  dirty_ = dirty_ || n > 0;
}

Result<void> Checkpoint::flush() {
  auto write = prepare_flush();
  if (!write) return success();
  auto written = write_prepared(*write);
  flushed(*write, written.has_value());
  return written;
}

std::optional<Checkpoint::PreparedWrite> Checkpoint::prepare_flush() {
  if (!dirty_) return std::nullopt;
  AgentState next = state_;
  ++next.generation;
  PreparedWrite write{path_, prev_path(), encode_state(next), next.generation};
  state_.generation = next.generation;  // the next prepare_flush() goes on from here
  dirty_ = false;                       // changes from now on make it dirty again
  return write;
}

Result<void> Checkpoint::write_prepared(const PreparedWrite& write) {
  BOOST_OUTCOME_TRY(storage::durable_write(write.prev_path, write.bytes));
  FERRY_CRASH_POINT("checkpoint.between_copies");
  BOOST_OUTCOME_TRY(storage::durable_write(write.path, write.bytes));
  return success();
}

void Checkpoint::flushed(const PreparedWrite&, bool ok) {
  if (!ok) dirty_ = true;  // what it held is not durable: the next flush writes it again
}

}  // namespace ferry::agent::checkpoint
