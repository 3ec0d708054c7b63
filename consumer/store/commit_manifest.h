#pragma once
// The durable manifest (DESIGN §5) in two RocksDB column families:
//   manifest_files:      "n" -> next file number; "p"+be64(n) -> record of an open or
//                        prepared file; "c"+be64(n) -> record of a committed file
//   manifest_committed:  batch_id_key(id) -> be64(number of the file holding it)
//                        "f"+batch_id_key(stream, seq 0) -> be64(floor): every seq <= floor
//                        of that stream is committed (the floor key sorts before the
//                        stream's ids, whose first byte is a name length, never 'f'... see
//                        floor_key())
// A committed record and the index entries of its batches are written in one synced
// RocksDB write, so "id is in the index" is exactly "id is in a committed file".
// Compaction: once every seq 1..F of a stream is committed, raise_floor(F) replaces its
// entries <= F by the floor, in one write, so the index stays as small as the streams'
// gaps instead of growing with every batch ever committed. Floors are read from RocksDB
// and kept in memory as they are used; retain_floors() lets idle streams' go again.
// Used by one thread (the BucketStore's owner).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/storage/rocks_store.h"
#include "consumer/store/batch_id.h"
#include "consumer/store/file_record.h"

namespace ferry::consumer::store {

class CommitManifest {
 public:
  static constexpr const char* kFilesCf = "manifest_files";
  static constexpr const char* kCommittedCf = "manifest_committed";

  static Result<std::unique_ptr<CommitManifest>> open(storage::RocksStore& db);

  // A file number never used by any record, durable or not.
  uint64_t allocate_number() { return next_number_++; }

  // Writes an open or prepared record, synced, together with the next file number.
  Result<void> put_unfinished(const FileRecord& rec);
  // Deletes an unfinished record, synced.
  Result<void> drop_unfinished(uint64_t number);
  // Adds to `wb` the committed record (replacing the unfinished one) and the index
  // entries of its batches. The caller writes wb with sync.
  void stage_committed(const FileRecord& rec, storage::RocksStore::Batch& wb) const;

  // Adds to `wb` the index entries of a file another consumer committed (file number 0:
  // not ours), so its batches count as committed here too.
  void stage_foreign(const FileRecord& rec, storage::RocksStore::Batch& wb) const;

  // Whether `id` is committed: at or below its stream's floor, or in the index.
  Result<bool> is_committed(const BatchId& id) const;
  // Number of the committed file holding `id`, if the index still has it.
  Result<std::optional<uint64_t>> committed_in(const BatchId& id) const;
  // Every seq 1..floor of (host, category, replay_id) is committed: drops their index
  // entries and keeps the floor instead. No-op unless it raises the floor.
  Result<void> raise_floor(const BatchId& stream_and_floor);
  Result<uint64_t> floor(const BatchId& stream) const;
  // Keeps in memory only the floors of streams (host, category) that `keep` names.
  void retain_floors(
      const std::function<bool(const std::string& host, const std::string& category)>& keep);
  size_t floors_in_memory() const { return floors_.size(); }
  // Open and prepared records, by number.
  Result<std::vector<FileRecord>> unfinished() const;
  Result<std::optional<FileRecord>> committed_record(uint64_t number) const;

  storage::RocksStore& db() { return db_; }

 private:
  explicit CommitManifest(storage::RocksStore& db);
  storage::RocksStore& db_;
  int files_cf_;
  int committed_cf_;
  uint64_t next_number_ = 1;
  mutable std::map<BatchId, uint64_t> floors_;  // key: the stream, seq 0; a cache of "f" keys
};

}  // namespace ferry::consumer::store
