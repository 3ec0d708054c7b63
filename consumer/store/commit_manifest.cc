#include "consumer/store/commit_manifest.h"

#include <algorithm>

#include "common/storage/key_codec.h"
#include "consumer/store/errc.h"

namespace ferry::consumer::store {
namespace {

constexpr std::string_view kNextKey = "n";

// In manifest_files, so the committed CF holds batch ids only.
std::string floor_key(const BatchId& stream) {
  BatchId s = stream;
  s.seq = 0;
  return "f" + batch_id_key(s);
}

BatchId stream_of(BatchId id) {
  id.seq = 0;
  return id;
}

std::string record_key(char prefix, uint64_t number) {
  std::string k(1, prefix);
  storage::put_be64(k, number);
  return k;
}

}  // namespace

CommitManifest::CommitManifest(storage::RocksStore& db)
    : db_(db), files_cf_(db.cf(kFilesCf)), committed_cf_(db.cf(kCommittedCf)) {}

Result<std::unique_ptr<CommitManifest>> CommitManifest::open(storage::RocksStore& db) {
  std::unique_ptr<CommitManifest> m(new CommitManifest(db));
  if (m->files_cf_ < 0 || m->committed_cf_ < 0) return std::error_code(Errc::kBadRecord);
  BOOST_OUTCOME_TRY(next, db.get(m->files_cf_, kNextKey));
  if (next) m->next_number_ = std::max<uint64_t>(1, storage::get_be64(*next));
  return m;
}

Result<void> CommitManifest::put_unfinished(const FileRecord& rec) {
  auto wb = db_.new_batch();
  wb.put(files_cf_, record_key('p', rec.number), encode_record(rec));
  std::string next;
  storage::put_be64(next, std::max(next_number_, rec.number + 1));
  wb.put(files_cf_, kNextKey, next);
  return db_.write(wb, true);
}

Result<void> CommitManifest::drop_unfinished(uint64_t number) {
  auto wb = db_.new_batch();
  wb.del(files_cf_, record_key('p', number));
  return db_.write(wb, true);
}

void CommitManifest::stage_committed(const FileRecord& rec, storage::RocksStore::Batch& wb) const {
  FileRecord done = rec;
  done.state = FileState::kCommitted;
  wb.del(files_cf_, record_key('p', rec.number));
  wb.put(files_cf_, record_key('c', rec.number), encode_record(done));
  std::string value;
  storage::put_be64(value, rec.number);
  for (const auto& b : rec.batches) wb.put(committed_cf_, batch_id_key(rec.id_of(b)), value);
}

void CommitManifest::stage_foreign(const FileRecord& rec, storage::RocksStore::Batch& wb) const {
  std::string value;
  storage::put_be64(value, 0);
  for (const auto& b : rec.batches) wb.put(committed_cf_, batch_id_key(rec.id_of(b)), value);
}

Result<bool> CommitManifest::is_committed(const BatchId& id) const {
  BOOST_OUTCOME_TRY(f, floor(id));
  if (id.seq <= f) return true;
  BOOST_OUTCOME_TRY(in, committed_in(id));
  return in.has_value();
}

Result<uint64_t> CommitManifest::floor(const BatchId& stream) const {
  const BatchId key = stream_of(stream);
  auto it = floors_.find(key);
  if (it != floors_.end()) return it->second;
  BOOST_OUTCOME_TRY(v, db_.get(files_cf_, floor_key(key)));
  if (!v) return uint64_t{0};
  if (v->size() != 8) return std::error_code(Errc::kBadRecord);
  return floors_[key] = storage::get_be64(*v);
}

void CommitManifest::retain_floors(
    const std::function<bool(const std::string& host, const std::string& category)>& keep) {
  std::erase_if(floors_, [&](const auto& f) { return !keep(f.first.host, f.first.category); });
}

Result<void> CommitManifest::raise_floor(const BatchId& stream_and_floor) {
  const BatchId stream = stream_of(stream_and_floor);
  BOOST_OUTCOME_TRY(old_floor, floor(stream));
  if (stream_and_floor.seq <= old_floor) return success();
  BatchId end = stream;
  end.seq = stream_and_floor.seq + 1;
  auto wb = db_.new_batch();
  std::string value;
  storage::put_be64(value, stream_and_floor.seq);
  wb.put(files_cf_, floor_key(stream), value);
  wb.del_range(committed_cf_, batch_id_key(stream), batch_id_key(end));
  // Unsynced: lost in a crash, the old floor and the entries are still there together.
  BOOST_OUTCOME_TRY(db_.write(wb, false));
  floors_[stream] = stream_and_floor.seq;
  return success();
}

Result<std::optional<uint64_t>> CommitManifest::committed_in(const BatchId& id) const {
  BOOST_OUTCOME_TRY(v, db_.get(committed_cf_, batch_id_key(id)));
  if (!v) return std::optional<uint64_t>();
  return std::optional<uint64_t>(storage::get_be64(*v));
}

Result<std::vector<FileRecord>> CommitManifest::unfinished() const {
  std::vector<FileRecord> out;
  std::error_code bad;
  BOOST_OUTCOME_TRY(db_.scan(files_cf_, "p", [&](std::string_view, std::string_view v) {
    auto r = decode_record(v);
    if (!r) {
      bad = r.error();
      return false;
    }
    out.push_back(std::move(r).value());
    return true;
  }));
  if (bad) return bad;
  return out;
}

Result<std::optional<FileRecord>> CommitManifest::committed_record(uint64_t number) const {
  BOOST_OUTCOME_TRY(v, db_.get(files_cf_, record_key('c', number)));
  if (!v) return std::optional<FileRecord>();
  BOOST_OUTCOME_TRY(r, decode_record(*v));
  return std::optional<FileRecord>(std::move(r));
}

}  // namespace ferry::consumer::store
