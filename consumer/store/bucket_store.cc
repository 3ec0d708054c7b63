#include "consumer/store/bucket_store.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/base/crash_point.h"
#include "common/batch/payload.h"
#include "consumer/store/bucket_path.h"
#include "consumer/store/errc.h"
#include "consumer/store/hour_tracker.h"
#include "consumer/store/shared_commits.h"

namespace ferry::consumer::store {

std::vector<std::string> BucketStore::column_families() {
  return {CommitManifest::kFilesCf, CommitManifest::kCommittedCf, HourTracker::kCf};
}

BucketStore::BucketStore(storage::RocksStore& db, Sink& sink, const Clock& clock,
                         StoreOptions options, HourTracker* tracker,
                         std::unique_ptr<CommitManifest> manifest)
    : db_(db),
      sink_(sink),
      clock_(clock),
      options_(std::move(options)),
      tracker_(tracker),
      manifest_(std::move(manifest)) {}

BucketStore::~BucketStore() = default;

Result<std::unique_ptr<BucketStore>> BucketStore::open(storage::RocksStore& db, Sink& sink,
                                                       const Clock& clock, StoreOptions options,
                                                       HourTracker* tracker) {
  if (!batch::valid_name(options.consumer_id)) return std::error_code(Errc::kBadRecord);
  BOOST_OUTCOME_TRY(manifest, CommitManifest::open(db));
  std::unique_ptr<BucketStore> store(
      new BucketStore(db, sink, clock, std::move(options), tracker, std::move(manifest)));
  BOOST_OUTCOME_TRY(store->recover());
  if (!store->options_.fence_tag.empty()) {
    // Made once: a fenced instance must find it gone, never make it again.
    BOOST_OUTCOME_TRY(sink.mkdirs(shared_commits::temp_dir(store->options_.fence_tag)));
    BOOST_OUTCOME_TRY(sink.mkdirs(shared_commits::kCommitsDir));
  }
  return store;
}

std::error_code BucketStore::fail(std::error_code ec) {
  if (!failed_) {
    failed_ = ec;
    spdlog::error("consumer store failed ({}); reopen to recover", ec.message());
  }
  return ec;
}

Result<void> BucketStore::recover() {
  BOOST_OUTCOME_TRY(records, manifest_->unfinished());
  for (const FileRecord& rec : records) {
    if (rec.state == FileState::kOpen) {
      // The temp file was never complete: nothing of it was acked, brokers resend.
      BOOST_OUTCOME_TRY(sink_.remove(rec.temp_path));
      BOOST_OUTCOME_TRY(manifest_->drop_unfinished(rec.number));
      ++recovery_.discarded_open;
      continue;
    }
    BOOST_OUTCOME_TRY(final_size, sink_.file_size(rec.final_path));
    bool dropped = false;
    BOOST_OUTCOME_TRY(finish_prepared(rec, true, dropped));
    if (dropped) {
      ++recovery_.lost_prepared;
    } else if (final_size) {
      ++recovery_.completed;
    } else {
      ++recovery_.rolled_forward;
    }
  }
  if (!records.empty()) {
    spdlog::info(
        "consumer store recovery: {} open discarded, {} rolled forward, {} completed, "
        "{} lost",
        recovery_.discarded_open, recovery_.rolled_forward, recovery_.completed,
        recovery_.lost_prepared);
  }
  return success();
}

Result<void> BucketStore::finish_prepared(const FileRecord& rec, bool recovering, bool& dropped) {
  // (c) rename temp -> final, durably. Skipped when a crash came after it.
  BOOST_OUTCOME_TRY(final_size, sink_.file_size(rec.final_path));
  if (!final_size) {
    BOOST_OUTCOME_TRY(temp_size, sink_.file_size(rec.temp_path));
    if (!temp_size || *temp_size != rec.bytes) {
      if (!recovering) return std::error_code(Errc::kBadRecord);
      // Someone removed or changed the synced temp file: the batches were never acked,
      // so dropping the record and awaiting redelivery keeps exactly-once.
      spdlog::error("prepared file {} lost its temp {}; dropping it", rec.final_path,
                    rec.temp_path);
      BOOST_OUTCOME_TRY(sink_.remove(rec.temp_path));
      BOOST_OUTCOME_TRY(manifest_->drop_unfinished(rec.number));
      dropped = true;
      return success();
    }
    BOOST_OUTCOME_TRY(sink_.rename(rec.temp_path, rec.final_path));
  } else {
    // link+unlink renames can leave both names behind a crash.
    BOOST_OUTCOME_TRY(sink_.remove(rec.temp_path));
  }
  FERRY_CRASH_POINT("consumer.after_rename");

  // (d) commit record + committed-ids index (+ hour tracker counts), one synced write.
  auto wb = db_.new_batch();
  manifest_->stage_committed(rec, wb);
  HourTracker::Staged staged;
  if (tracker_ != nullptr && rec.bucket.kind != BucketKind::kReplay) {
    for (const BatchMeta& b : rec.batches) {
      BOOST_OUTCOME_TRY(tracker_->touch(rec.bucket.category, b.host));
    }
    staged = tracker_->stage_commit(rec, wb);
  }
  BOOST_OUTCOME_TRY(db_.write(wb, true));
  if (tracker_ != nullptr) tracker_->apply(std::move(staged));
  FERRY_CRASH_POINT("consumer.after_commit_record");
  return success();
}

Result<std::string> BucketStore::output_bytes(const wire::BatchFrame& frame) {
  const auto& h = frame.header;
  if (h.sealed()) return std::error_code(Errc::kSealedPayload);
  if (options_.plain) {
    std::string raw;
    if (auto ec = batch::decode_payload(h, frame.payload, decompressor_, raw)) {
      return std::error_code(Errc::kBadBatch);
    }
    return raw;
  }
  if (h.codec == batch::Codec::kZstd) return frame.payload;
  // Uncompressed on the wire: compress so the file stays one valid zstd stream.
  std::string out;
  BOOST_OUTCOME_TRY(compressor_.compress(frame.payload, out));
  return out;
}

Result<BucketWriter*> BucketStore::writer_for(const BucketKey& key, uint64_t incoming_bytes) {
  auto it = open_.find(key);
  if (it != open_.end()) {
    BucketWriter& w = *it->second;
    if (w.bytes() == 0 || w.bytes() + incoming_bytes <= options_.roll_bytes) return &w;
    close_for_appends(it);  // roll by size
  }
  FileRecord rec;
  rec.number = manifest_->allocate_number();
  rec.state = FileState::kOpen;
  rec.bucket = key;
  std::string dir = bucket_dir(key);
  const std::string temp_dir =
      options_.fence_tag.empty() ? dir : shared_commits::temp_dir(options_.fence_tag);
  rec.temp_path = temp_dir + "/" + temp_name(options_.consumer_id, rec.number, options_.plain);
  BOOST_OUTCOME_TRY(sink_.mkdirs(dir));
  // The open record comes first, so a temp file is never without a record to find it.
  BOOST_OUTCOME_TRY(manifest_->put_unfinished(rec));
  FERRY_CRASH_POINT("consumer.after_open_record");
  BOOST_OUTCOME_TRY(out, sink_.create(rec.temp_path));
  auto w = std::make_unique<BucketWriter>(std::move(rec), std::move(out), clock_.now_ms());
  BucketWriter* raw = w.get();
  open_.emplace(key, std::move(w));
  return raw;
}

Result<AddOutcome> BucketStore::add(const wire::BatchFrame& frame) {
  if (failed_) return std::error_code(Errc::kFailed);
  const auto& h = frame.header;
  if (batch::validate_header(h) || wire::verify_payload(frame)) {
    return std::error_code(Errc::kBadBatch);
  }
  BatchId id = batch_id_of(h);
  if (pending_.count(id) != 0) return AddOutcome::kDuplicatePending;
  auto committed = manifest_->is_committed(id);
  if (!committed) return fail(committed.error());
  if (committed.value()) return AddOutcome::kAlreadyCommitted;

  BOOST_OUTCOME_TRY(bytes, output_bytes(frame));  // batch errors: store stays usable

  BucketKey key{h.category, h.hour(), BucketKind::kNormal, 0};
  if (tracker_ != nullptr && h.replay_id == 0) {
    if (auto r = tracker_->touch(h.category, h.host); !r) return fail(r.error());
  }
  if (h.replay_id != 0) {
    key.kind = BucketKind::kReplay;
    key.replay_id = h.replay_id;
  } else if (tracker_ != nullptr && tracker_->is_complete(h.category, key.hour)) {
    key.kind = BucketKind::kLate;
  }
  auto w = writer_for(key, bytes.size());
  if (!w) return fail(w.error());
  if (auto r = w.value()->append(bytes, BatchMeta{h.host, h.seq, h.event_count, h.incarnation});
      !r) {
    return fail(r.error());
  }
  FERRY_CRASH_POINT("consumer.after_append");
  pending_.insert(std::move(id));
  HostLoad& host_load = open_host_loads_[h.host];
  ++host_load.batches;
  host_load.bytes += bytes.size();
  ++open_load_.batches;
  open_load_.bytes += bytes.size();
  apply_load_limits(h.host);
  return AddOutcome::kAccepted;
}

BucketStore::OpenWriters::iterator BucketStore::close_for_appends(OpenWriters::iterator it) {
  for (const auto& [host, load] : it->second->loads()) {
    auto h = open_host_loads_.find(host);
    h->second.batches -= load.batches;
    h->second.bytes -= load.bytes;
    if (h->second.batches == 0) open_host_loads_.erase(h);
    open_load_.batches -= load.batches;
    open_load_.bytes -= load.bytes;
  }
  full_.push_back(std::move(it->second));
  return open_.erase(it);
}

void BucketStore::apply_load_limits(std::string_view host) {
  auto over = [](const HostLoad& load, uint64_t max_batches, uint64_t max_bytes) {
    return (max_batches != 0 && load.batches >= max_batches) ||
           (max_bytes != 0 && load.bytes >= max_bytes);
  };
  if (over(open_load_, options_.roll_pending_batches, options_.roll_pending_bytes)) {
    for (auto it = open_.begin(); it != open_.end();) it = close_for_appends(it);
    return;
  }
  auto h = open_host_loads_.find(host);
  if (h == open_host_loads_.end() ||
      !over(h->second, options_.roll_host_batches, options_.roll_host_bytes))
    return;
  for (auto it = open_.begin(); it != open_.end();) {
    it = it->second->loads().count(host) != 0 ? close_for_appends(it) : std::next(it);
  }
}

Result<void> BucketStore::commit_writer(BucketWriter& w, std::vector<BatchId>& committed) {
  FileRecord& rec = w.record();
  // (a) the temp file's bytes and name are durable.
  BOOST_OUTCOME_TRY(w.sync());
  w.close();
  FERRY_CRASH_POINT("consumer.after_temp_sync");

  // An on-time file whose hour completed while it was open goes to late/: _SUCCESS has
  // already listed the hour's on-time content.
  if (rec.bucket.kind == BucketKind::kNormal && tracker_ != nullptr &&
      tracker_->is_complete(rec.bucket.category, rec.bucket.hour)) {
    rec.bucket.kind = BucketKind::kLate;
  }
  std::string dir = bucket_dir(rec.bucket);
  BOOST_OUTCOME_TRY(sink_.mkdirs(dir));
  rec.final_path = dir + "/" + part_name(options_.consumer_id, rec.number, options_.plain);

  if (!options_.fence_tag.empty()) {
    // Before the rename: once the file exists, every consumer can learn what it holds.
    BOOST_OUTCOME_TRY(
        out, sink_.create(shared_commits::manifest_path(options_.consumer_id, rec.number)));
    BOOST_OUTCOME_TRY(out->append(shared_commits::encode_manifest(rec, options_.fence_tag)));
    BOOST_OUTCOME_TRY(out->sync());
  }

  // (b) prepared record, synced: from here recovery rolls forward.
  rec.state = FileState::kPrepared;
  BOOST_OUTCOME_TRY(manifest_->put_unfinished(rec));
  FERRY_CRASH_POINT("consumer.after_prepare");

  // (c) + (d)
  bool dropped = false;
  BOOST_OUTCOME_TRY(finish_prepared(rec, false, dropped));
  for (const BatchMeta& m : rec.batches) {
    BatchId id = rec.id_of(m);
    pending_.erase(id);
    committed.push_back(std::move(id));
  }
  return success();
}

Result<std::vector<BatchId>> BucketStore::commit_due(TimeMs now) {
  if (failed_) return std::error_code(Errc::kFailed);
  for (auto it = open_.begin(); it != open_.end();) {
    const BucketWriter& w = *it->second;
    const bool due =
        w.bytes() >= options_.roll_bytes || now - w.opened_at_ms() >= options_.roll_age_ms;
    it = due ? close_for_appends(it) : std::next(it);
  }
  while (open_.size() > options_.max_open_files) {
    close_for_appends(
        std::min_element(open_.begin(), open_.end(), [](const auto& a, const auto& b) {
          return a.second->opened_at_ms() < b.second->opened_at_ms();
        }));
  }
  std::vector<std::unique_ptr<BucketWriter>> due = std::move(full_);
  full_.clear();
  std::vector<BatchId> committed;
  for (auto& w : due) {
    if (auto r = commit_writer(*w, committed); !r) return fail(r.error());
  }
  return committed;
}

Result<std::vector<BatchId>> BucketStore::commit_all() {
  if (failed_) return std::error_code(Errc::kFailed);
  for (auto it = open_.begin(); it != open_.end();) it = close_for_appends(it);
  return commit_due(clock_.now_ms());
}

Result<bool> BucketStore::fence(const std::string& fence_tag) {
  if (failed_) return std::error_code(Errc::kFailed);
  if (fence_tag == options_.fence_tag) return false;  // never ourselves
  BOOST_OUTCOME_TRY(sink_.mkdirs(parent_dir(shared_commits::fenced_dir(fence_tag))));
  auto moved =
      sink_.rename(shared_commits::temp_dir(fence_tag), shared_commits::fenced_dir(fence_tag));
  if (!moved) {
    if (moved.error() == std::errc::no_such_file_or_directory) return false;
    return fail(moved.error());
  }
  spdlog::info("fenced consumer instance {}: its temp files moved to {}", fence_tag,
               shared_commits::fenced_dir(fence_tag));
  return true;
}

Result<size_t> BucketStore::seed_from_shared_commits() {
  if (failed_) return std::error_code(Errc::kFailed);
  auto names = sink_.list(shared_commits::kCommitsDir);
  if (!names) return fail(names.error());
  auto wb = db_.new_batch();
  size_t learnt = 0;
  for (const auto& name : names.value()) {
    const std::string writer = shared_commits::writer_of(name);
    // Ours are in our own index already.
    if (writer.empty() || writer == options_.consumer_id || manifests_read_.count(name) != 0)
      continue;
    auto text = sink_.read(shared_commits::kCommitsDir + "/" + name);
    if (!text) {
      if (text.error() == std::errc::no_such_file_or_directory) continue;
      return fail(text.error());
    }
    auto rec = shared_commits::decode_manifest(text.value());
    if (!rec) continue;  // cut short by a crash: its file was never renamed
    auto size = sink_.file_size(rec.value().final_path);
    if (!size) return fail(size.error());
    if (!size.value()) continue;  // not committed (yet, or ever: its writer was fenced)
    manifest_->stage_foreign(rec.value(), wb);
    if (tracker_ != nullptr && rec.value().bucket.replay_id == 0) {
      // Their seqs count for the streams' watermarks here as our own do: a stream we
      // take over completes its hours with what its earlier writers committed.
      for (const BatchMeta& b : rec.value().batches) {
        if (auto t = tracker_->touch(rec.value().bucket.category, b.host); !t)
          return fail(t.error());
      }
      tracker_->apply(tracker_->stage_learnt(rec.value(), wb));
    }
    learnt += rec.value().batches.size();
    manifests_read_.insert(name);
  }
  // Unsynced: after a crash the manifests are read again.
  if (learnt > 0) {
    if (auto w = db_.write(wb, false); !w) return fail(w.error());
  }
  return learnt;
}

Result<size_t> BucketStore::compact_committed_index() {
  if (failed_) return std::error_code(Errc::kFailed);
  if (tracker_ == nullptr) return size_t{0};
  size_t raised = 0;
  for (const auto& [key, s] : tracker_->streams()) {
    if (s.contiguous_seq == 0) continue;
    BatchId floor{key.second, key.first, s.contiguous_seq, 0, s.incarnation};
    auto old = manifest_->floor(floor);
    if (!old) return fail(old.error());
    if (s.contiguous_seq <= old.value()) continue;
    auto r = manifest_->raise_floor(floor);
    if (!r) return fail(r.error());
    ++raised;
  }
  return raised;
}

size_t BucketStore::expire_idle_streams(TimeMs now) {
  if (failed_ || tracker_ == nullptr) return 0;
  HourTracker::Busy busy;
  for (const BatchId& id : pending_) busy.emplace(id.category, id.host);
  const size_t dropped = tracker_->expire_idle(now, busy);
  manifest_->retain_floors([&](const std::string& host, const std::string& category) {
    return tracker_->stream(host, category) != nullptr;
  });
  return dropped;
}

}  // namespace ferry::consumer::store
