// BatchStore's write path: storing batches in groups, marking them committed (pending ->
// retained), scanning what is pending, and resuming RocksDB after ENOSPC (the latch that
// stops writes until then is DiskBudget's). Opening is in batch_store_open.cc, retention in
// batch_store_retention.cc.
#include "broker/store/batch_store.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "broker/store/store_keys.h"
#include "broker/store/stored_record.h"
#include "common/batch/batch_header.h"
#include "common/storage/errc.h"
#include "common/storage/key_codec.h"

namespace ferry::broker::store {

Result<void> BatchStore::write_synced(storage::RocksStore::Batch& batch) {
  if (budget_.out_of_space()) return storage::Errc::kNoSpace;
  auto r = db_->write(batch, true);
  if (budget_.on_write(r ? std::error_code() : r.error())) {
    spdlog::error(
        "disk full under {}: ingest paused, no writes until space is back (stored batches are "
        "safe; agents keep theirs)",
        options_.path);
  }
  // Sample disk usage a few times a second at most: it is a directory listing.
  auto now = std::chrono::steady_clock::now();
  if (now - last_usage_refresh_ >= std::chrono::milliseconds(250)) {
    last_usage_refresh_ = now;
    budget_.refresh();
  }
  return r;
}

Result<void> BatchStore::try_resume() {
  std::lock_guard lock(write_mu_);
  if (!budget_.out_of_space()) return success();
  // The payload log failed for want of room too, or will: wait for a segment's worth,
  // not only for the few bytes RocksDB's probe below needs.
  budget_.refresh();
  if (budget_.free_bytes() < options_.segment_bytes) return storage::Errc::kNoSpace;
  BOOST_OUTCOME_TRYV(db_->resume());
  auto probe = db_->new_batch();
  probe.put(meta_cf_, "space_probe", "");
  auto r = db_->write(probe, true);
  budget_.on_write(r ? std::error_code() : r.error());  // success lifts the latch
  if (!r) return r.error();
  budget_.refresh();
  spdlog::info("disk space is back under {}: writes and ingest resume", options_.path);
  return success();
}

Result<wire::BatchFrame> BatchStore::load(StoredRecord record) const {
  if (!record.location) {
    return wire::BatchFrame{std::move(record.header), std::string(record.inline_payload)};
  }
  BOOST_OUTCOME_TRY(payload, payloads_->read(*record.location, record.header.payload_size,
                                             record.header.payload_crc));
  return wire::BatchFrame{std::move(record.header), std::move(payload)};
}

Result<BatchState> BatchStore::state(std::string_view host, std::string_view category,
                                     uint64_t incarnation, uint64_t seq) const {
  std::string key = storage::stream_seq_key(host, category, incarnation, seq);
  BOOST_OUTCOME_TRY(pending, db_->get(pending_cf_, key));
  if (pending) return BatchState::kPending;
  BOOST_OUTCOME_TRY(retained, db_->get(retained_cf_, key));
  if (retained) return BatchState::kRetained;
  return BatchState::kUnknown;
}

std::vector<Result<SubmitOutcome>> BatchStore::store_group(
    std::span<const wire::BatchFrame* const> frames, GroupWrite* info) {
  std::vector<Result<SubmitOutcome>> out(frames.size(),
                                         Result<SubmitOutcome>(SubmitOutcome::kStored));
  // writer[i] is the index of the frame whose write decides frame i's outcome (itself
  // for a frame that needs writing, an earlier one for a repeat within the group).
  std::vector<size_t> writer(frames.size(), SIZE_MAX);
  std::unordered_map<std::string, size_t> first_writer;
  std::lock_guard lock(write_mu_);
  auto batch = db_->new_batch();
  StoreCounters::Delta delta;
  for (size_t i = 0; i < frames.size(); ++i) {
    const wire::BatchFrame& f = *frames[i];
    if (batch::validate_header(f.header) || f.payload.size() != f.header.payload_size) {
      out[i] = std::error_code(storage::Errc::kInvalidArgument);
      continue;
    }
    std::string key = storage::stream_seq_key(f.header.host, f.header.category,
                                              f.header.incarnation, f.header.seq);
    if (auto it = first_writer.find(key); it != first_writer.end()) {
      writer[i] = it->second;
      continue;
    }
    auto pending = db_->get(pending_cf_, key);
    if (!pending) {
      out[i] = pending.error();
      continue;
    }
    if (pending.value()) continue;  // already durable: STORED again, no second copy
    auto retained = db_->get(retained_cf_, key);
    if (!retained) {
      out[i] = retained.error();
      continue;
    }
    if (retained.value()) {
      out[i] = SubmitOutcome::kDelivered;
      continue;
    }
    delta.add_pending(f.header.host, f.header.category, 1, static_cast<int64_t>(f.payload.size()),
                      f.header.event_count);
    writer[i] = i;
    first_writer.emplace(std::move(key), i);
  }
  if (first_writer.empty()) return out;

  // Payloads first, synced; then the entries that point to them, in one synced write.
  std::vector<size_t> new_frames;
  std::vector<std::string_view> payloads;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (writer[i] != i) continue;
    new_frames.push_back(i);
    payloads.push_back(frames[i]->payload);
  }
  Result<void> written = success();
  if (budget_.out_of_space()) {
    written = storage::Errc::kNoSpace;
  } else if (auto at = payloads_->append(payloads); !at) {
    written = at.error();
    payloads_->collect();  // the segment it failed in, if nothing else is in it
    if (budget_.on_write(at.error())) {
      spdlog::error("disk full under {}: ingest paused (stored batches are safe)", options_.path);
    }
  } else {
    for (size_t n = 0; n < new_frames.size(); ++n) {
      const wire::BatchFrame& f = *frames[new_frames[n]];
      batch.put(pending_cf_,
                storage::stream_seq_key(f.header.host, f.header.category, f.header.incarnation,
                                        f.header.seq),
                encode_pending(f.header, at.value()[n]));
    }
    counters_.stage(delta, batch);
    written = write_synced(batch);
    if (written) {
      counters_.apply(delta);
      for (const auto& loc : at.value()) payloads_->ref(loc.segment);
    }
  }
  if (info != nullptr) {
    info->synced = true;
    info->written = written ? first_writer.size() : 0;
  }
  for (size_t i = 0; i < frames.size(); ++i) {
    if (writer[i] == SIZE_MAX) continue;
    if (written) {
      out[i] = SubmitOutcome::kStored;
    } else {
      out[i] = written.error();
    }
  }
  return out;
}

Result<SubmitOutcome> BatchStore::store(const wire::BatchFrame& frame) {
  const wire::BatchFrame* one[] = {&frame};
  return std::move(store_group(one).front());
}

Result<void> BatchStore::move_chunk(std::vector<std::pair<std::string, std::string>>& moves,
                                    TimeMs now_ms, std::vector<BatchId>& moved) {
  auto batch = db_->new_batch();
  StoreCounters::Delta delta;
  std::vector<BatchId> ids;
  for (const auto& [key, value] : moves) {
    auto record = decode_pending(value);
    auto retained = retained_from_pending(value, now_ms);
    auto id = batch_id_from_key(key);
    if (!record || !retained || !id) {
      // Left where it is for the operator to inspect; forwarding logs it too.
      spdlog::error("broker store {}: unreadable pending record, not moved to retention",
                    options_.path);
      continue;
    }
    const batch::BatchHeader& header = record.value().header;
    uint64_t bytes = header.payload_size;
    batch.put(retained_cf_, key, retained.value());
    batch.put(index_cf_, retention_index_key(now_ms, key),
              retention_index_value(bytes, record.value().location));
    batch.del(pending_cf_, key);
    delta.add_pending(id->host, id->category, -1, -static_cast<int64_t>(bytes),
                      -static_cast<int64_t>(header.event_count));
    delta.retained_batches += 1;
    delta.retained_bytes += static_cast<int64_t>(bytes);
    ids.push_back(std::move(*id));
  }
  moves.clear();
  if (ids.empty()) return success();
  counters_.stage(delta, batch);
  BOOST_OUTCOME_TRYV(write_synced(batch));
  counters_.apply(delta);
  for (auto& id : ids) moved.push_back(std::move(id));
  return success();
}

Result<std::vector<BatchId>> BatchStore::mark_committed(const std::vector<wire::AckRange>& ranges,
                                                        TimeMs now_ms) {
  std::lock_guard lock(write_mu_);
  std::vector<BatchId> moved;
  std::set<std::string, std::less<>> seen;  // ranges may overlap
  std::vector<std::pair<std::string, std::string>> moves;
  uint64_t move_bytes = 0;
  Result<void> failed = success();
  for (const auto& r : ranges) {
    if (!batch::valid_name(r.host) || !batch::valid_name(r.category) || r.first_seq == 0 ||
        r.first_seq > r.last_seq) {
      continue;
    }
    std::string begin = storage::stream_seq_key(r.host, r.category, r.incarnation, r.first_seq);
    std::string end =
        key_after(storage::stream_seq_key(r.host, r.category, r.incarnation, r.last_seq));
    auto scanned =
        db_->scan_range(pending_cf_, begin, end, [&](std::string_view k, std::string_view v) {
          if (!seen.emplace(k).second) return true;
          moves.emplace_back(std::string(k), std::string(v));
          move_bytes += v.size();
          if (move_bytes >= options_.max_move_bytes) {
            move_bytes = 0;
            failed = move_chunk(moves, now_ms, moved);
            if (!failed) return false;
          }
          return true;
        });
    if (!failed) return failed.error();
    if (!scanned) return scanned.error();
  }
  BOOST_OUTCOME_TRYV(move_chunk(moves, now_ms, moved));
  return moved;
}

Result<Page<PendingBatch>> BatchStore::scan_pending(
    std::string_view cursor, const ScanLimits& limits,
    const std::function<bool(std::string_view key)>& skip) const {
  Page<PendingBatch> page;
  page.cursor = std::string(cursor);
  uint64_t bytes = 0;
  size_t scanned = 0;
  bool stopped = false;
  std::string begin = cursor.empty() ? std::string() : key_after(cursor);
  BOOST_OUTCOME_TRYV(
      db_->scan_range(pending_cf_, begin, kKeysEnd, [&](std::string_view k, std::string_view v) {
        if (!page.batches.empty() && (page.batches.size() >= limits.max_batches ||
                                      bytes >= limits.max_bytes || scanned >= limits.max_scanned)) {
          stopped = true;
          return false;
        }
        ++scanned;
        page.cursor = std::string(k);
        if (skip && skip(k)) return true;
        auto record = decode_pending(v);
        auto frame = record ? load(std::move(record).value()) : record.error();
        if (!frame) {
          spdlog::error("broker store {}: unreadable pending record {} skipped by the scan ({})",
                        options_.path, describe_key(k), frame.error().message());
          return true;
        }
        bytes += frame.value().payload.size();
        page.batches.push_back({std::string(k), std::move(frame).value()});
        return true;
      }));
  page.end = !stopped;
  return page;
}

}  // namespace ferry::broker::store
