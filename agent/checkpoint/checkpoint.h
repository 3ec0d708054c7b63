#pragma once
// The agent's crash-safe state store (DESIGN §5). The rule it exists for: the mapping
// seq → (file identity, byte range) is durable BEFORE the batch is sent, so a seq means
// the same events across any crash. The transport therefore does, per batch:
//
//   record_batch(stream, record, path)  // takes next_seq(stream); in memory
//   flush()                             // durable; only then send the batch
//   ... mark_delivered(stream, seq)     // at DELIVERED; durable at the next flush()
//
// Read positions advance only through record_batch (to the end of the recorded range),
// so they never get ahead of what batches hold: after a restart, reading resumes right
// after the last recorded batch of each file, and lines read but not yet batched are
// read again. Unacked batches are resent from unacked() with their original seq.
//
// Durability: every flush() writes the whole state, with a generation number and a
// CRC32C, to <path>.prev and then to <path>, each by temp + fsync + rename + dir fsync.
// open() loads the valid copy with the highest generation; if <path> is missing, torn
// or corrupt it says so loudly and uses <path>.prev, which then holds the same or the
// previous generation. A crash can damage at most the copy being written, so only real
// disk damage to both copies leaves no valid copy (Errc::kNoValidCopy): the agent must
// then not invent seqs (that would reuse them) and an operator has to step in.
//
// Runs on the agent's state strand; not thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/checkpoint/agent_state.h"
#include "common/base/result.h"

namespace ferry::agent::checkpoint {

class Checkpoint {
 public:
  enum class Source { kFresh, kCurrent, kPrevious };

  // Loads the state at `path` (or its .prev copy). Neither existing: a fresh state.
  static Result<std::unique_ptr<Checkpoint>> open(std::string path);

  Source loaded_from() const { return loaded_from_; }
  const AgentState& state() const { return state_; }
  const std::string& path() const { return path_; }
  std::string prev_path() const { return path_ + ".prev"; }

  std::vector<std::string> streams() const;
  uint64_t next_seq(std::string_view stream) const;
  // Unacked batches by seq (empty for an unknown stream).
  const std::map<uint64_t, BatchRecord>& unacked(std::string_view stream) const;
  // Read positions of the stream's files.
  const std::vector<FilePosition>& positions(std::string_view stream) const;

  // Records batch `record.seq`, which must be next_seq(stream), and advances its file's
  // position to the end of the range. `path` is the file's current name. Errc::kRangeGap
  // if the batch starts after the file's recorded position (lines would be skipped).
  Result<void> record_batch(std::string_view stream, const BatchRecord& record,
                            std::string_view path);

  // DELIVERED for one seq / every seq <= `seq`. Returns how many batches left the books.
  size_t mark_delivered(std::string_view stream, uint64_t seq);
  size_t mark_delivered_through(std::string_view stream, uint64_t seq);

  // Records that `position.file` has been sent up to `position.offset` by other means
  // (a copytruncate copy whose bytes went out through its original). Keeps a position
  // already at or beyond it.
  void note_position(std::string_view stream, const FilePosition& position);

  // Drops a file's position (it was released: finished and all delivered).
  void forget_file(std::string_view stream, const batch::FileIdentity& file);

  bool dirty() const { return dirty_; }
  // Makes everything recorded so far durable. No-op when nothing changed.
  Result<void> flush();

  // flush() in three steps, so the writing can run off the owner's thread (see
  // agent/checkpoint_flusher.h). prepare_flush() encodes the state as it is now (nullopt
  // when nothing changed); write_prepared() writes both copies and may run on any
  // thread; flushed() tells the owner it succeeded. One prepared write at a time.
  struct PreparedWrite {
    std::string path, prev_path, bytes;
    uint64_t generation = 0;
  };
  std::optional<PreparedWrite> prepare_flush();
  static Result<void> write_prepared(const PreparedWrite& write);
  // After write_prepared() succeeded (false: it failed, the state stays dirty).
  void flushed(const PreparedWrite& write, bool ok);

 private:
  explicit Checkpoint(std::string path) : path_(std::move(path)) {}
  StreamState& stream(std::string_view name);

  std::string path_;
  AgentState state_;
  Source loaded_from_ = Source::kFresh;
  bool dirty_ = false;
};

}  // namespace ferry::agent::checkpoint
