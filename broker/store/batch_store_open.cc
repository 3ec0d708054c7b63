// BatchStore::open: the column families, the format marker, the counters (rebuilt once
// for a store older than them), and an error that says what to do when any of it fails.
#include "broker/store/batch_store.h"

#include <sys/statvfs.h>

#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "broker/store/store_keys.h"
#include "broker/store/stored_record.h"
#include "common/storage/errc.h"
#include "common/storage/file_modes.h"
#include "common/storage/key_codec.h"

namespace ferry::broker::store {
namespace {

std::string describe_open_failure(const std::string& path, std::error_code ec,
                                  const std::string& reason) {
  std::string hint;
  if (ec == storage::Errc::kBusy) {
    hint =
        "another process (probably another ferry-broker) holds the lock on this directory: "
        "stop it, or give this broker its own data directory";
  } else if (ec == storage::Errc::kCorruption) {
    hint =
        "the database is corrupt: restore the directory from a backup, or move it aside to "
        "start empty (its batches are then lost to this broker; agents resend whatever was "
        "never DELIVERED)";
  } else if (ec == storage::Errc::kInvalidArgument || ec == storage::Errc::kNotSupported) {
    hint =
        "the database was written by an incompatible version or with incompatible options: "
        "run the version that wrote it, or move the directory aside";
  } else if (ec == storage::Errc::kNoSpace) {
    hint = "the disk is full: free space, then start the broker again";
  } else {
    hint = "check that the directory is writable by this user and that the disk is healthy";
  }
  return fmt::format("cannot open the broker store at {}: {} ({}). Hint: {}. Nothing was deleted.",
                     path, reason, ec.message(), hint);
}

}  // namespace

Result<std::unique_ptr<BatchStore>> BatchStore::open(const BatchStoreOptions& options,
                                                     std::string& why) {
  storage::RocksOptions rocks;
  rocks.path = options.path;
  rocks.column_families = {std::string(kPendingCf), std::string(kRetainedCf), std::string(kIndexCf),
                           std::string(kMetaCf), std::string(kReplaysCf)};
  rocks.write_buffer_bytes = options.write_buffer_bytes;
  rocks.block_cache_bytes = options.block_cache_bytes;
  rocks.dir_mode = options.dir_mode;
  rocks.env = options.env;
  std::string reason;
  auto db = storage::RocksStore::open(rocks, reason);
  if (!db) {
    why = describe_open_failure(options.path, db.error(), reason);
    return db.error();
  }
  std::string log_why;
  const std::string payload_dir = options.path + "/payloads";
  (void)storage::create_dirs(payload_dir, options.dir_mode);  // open() reports a failure
  auto payloads = PayloadLog::open(options.env, payload_dir, options.segment_bytes, log_why);
  if (!payloads) {
    why = describe_open_failure(options.path, payloads.error(), log_why);
    return payloads.error();
  }
  std::unique_ptr<BatchStore> store(
      new BatchStore(options, std::move(db).value(), std::move(payloads).value()));

  int meta = store->meta_cf_;
  auto format = store->db_->get(meta, kMetaFormat);
  if (!format) {
    why = describe_open_failure(options.path, format.error(), "reading the format marker failed");
    return format.error();
  }
  if (!format.value()) {
    auto batch = store->db_->new_batch();
    batch.put(meta, kMetaFormat, kMetaFormatVersion);
    if (auto w = store->db_->write(batch, true); !w) {
      why = describe_open_failure(options.path, w.error(), "writing the format marker failed");
      return w.error();
    }
  } else if (*format.value() == kMetaFormatInlinePayloads) {
    if (auto upgraded = store->upgrade_format(*format.value()); !upgraded) {
      why = describe_open_failure(options.path, upgraded.error(), "upgrading the format failed");
      return upgraded.error();
    }
  } else if (*format.value() != kMetaFormatVersion) {
    why = fmt::format(
        "cannot open the broker store at {}: it holds format \"{}\", this broker reads \"{}\". "
        "Hint: run the broker version that wrote it, or move the directory aside. Nothing was "
        "deleted.",
        options.path, *format.value(), kMetaFormatVersion);
    return storage::Errc::kNotSupported;
  }
  auto expired = store->db_->get(meta, kMetaExpiredThrough);
  if (!expired) {
    why = describe_open_failure(options.path, expired.error(), "reading the expiry mark failed");
    return expired.error();
  }
  if (expired.value() && expired.value()->size() == 8) {
    store->expired_through_ms_ = static_cast<TimeMs>(storage::get_be64(*expired.value()));
  }
  bool has_categories = false;
  if (auto loaded = store->counters_.load(*store->db_, has_categories); !loaded) {
    why = describe_open_failure(options.path, loaded.error(),
                                "the counters in \"meta\" are unreadable");
    return loaded.error();
  }
  if (!has_categories) {
    if (auto rebuilt = store->rebuild_category_counters(); !rebuilt) {
      why = describe_open_failure(options.path, rebuilt.error(),
                                  "counting pending batches per category failed");
      return rebuilt.error();
    }
  }
  if (auto counted = store->count_payload_references(); !counted) {
    why = describe_open_failure(options.path, counted.error(),
                                "reading where the payloads are failed");
    return counted.error();
  }
  return store;
}

Result<void> BatchStore::upgrade_format(std::string_view from) {
  // Nothing to rewrite: entries with inline payloads stay readable, and new ones point
  // into the payload log. A broker of the old format refuses the store from now on.
  auto batch = db_->new_batch();
  batch.put(meta_cf_, kMetaFormat, kMetaFormatVersion);
  BOOST_OUTCOME_TRYV(db_->write(batch, true));
  spdlog::info("broker store {}: format \"{}\" upgraded to \"{}\"", options_.path, from,
               kMetaFormatVersion);
  return success();
}

Result<void> BatchStore::count_payload_references() {
  // Every pending entry and every retained one (through the small expiry index) holds
  // its segment; segments nothing points to are a crash's leftovers and go now.
  BOOST_OUTCOME_TRYV(
      db_->scan_range(pending_cf_, "", kKeysEnd, [&](std::string_view, std::string_view v) {
        auto record = decode_pending(v);
        if (record && record.value().location) payloads_->ref(record.value().location->segment);
        return true;
      }));
  BOOST_OUTCOME_TRYV(
      db_->scan_range(index_cf_, "", kKeysEnd, [&](std::string_view, std::string_view v) {
        if (v.size() == 16) payloads_->ref(storage::get_be64(v.substr(8)));
        return true;
      }));
  payloads_->collect();
  return success();
}

Result<void> BatchStore::rebuild_category_counters() {
  // Once, for a store written before the per-category counters: one pass over pending.
  std::map<std::string, CategoryCount, std::less<>> counts;
  BOOST_OUTCOME_TRYV(
      db_->scan_range(pending_cf_, "", kKeysEnd, [&](std::string_view, std::string_view v) {
        auto header = pending_header(v);
        if (!header) return true;  // left for the forwarder to report
        auto& c = counts[header.value().category];
        c.batches += 1;
        c.bytes += header.value().payload_size;
        c.events += header.value().event_count;
        return true;
      }));
  auto batch = db_->new_batch();
  counters_.stage_categories(counts, batch);
  BOOST_OUTCOME_TRYV(db_->write(batch, true));
  if (!counts.empty())
    spdlog::info("broker store {}: counted pending batches of {} categories", options_.path,
                 counts.size());
  counters_.set_categories(std::move(counts));
  return success();
}

BatchStore::BatchStore(const BatchStoreOptions& options, std::unique_ptr<storage::RocksStore> db,
                       std::unique_ptr<PayloadLog> payloads)
    : options_(options),
      db_(std::move(db)),
      payloads_(std::move(payloads)),
      pending_cf_(db_->cf(kPendingCf)),
      retained_cf_(db_->cf(kRetainedCf)),
      index_cf_(db_->cf(kIndexCf)),
      meta_cf_(db_->cf(kMetaCf)),
      replays_cf_(db_->cf(kReplaysCf)),
      counters_(meta_cf_),
      budget_(options.disk_budget_bytes, [db = db_.get(), log = payloads_.get()] {
        return db->disk_bytes() + log->disk_bytes();
      }) {
  budget_.set_reserve(options.min_free_bytes, [path = options.path] {
    struct statvfs fs {};
    if (::statvfs(path.c_str(), &fs) != 0) return UINT64_MAX;  // unknown: do not block on it
    return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  });
}

BatchStore::~BatchStore() = default;

}  // namespace ferry::broker::store
