#pragma once
// The consumer's storage core: routes batches into hourly buckets, writes each bucket's
// file under a temp name, and commits files exactly once (DESIGN §5, §6; protocol in
// consumer/store/README.md). No networking: broker sessions call it.
//
// Threading: not thread-safe. One thread (or one strand) owns the store, its HourTracker
// and the Sink; run it on a worker thread since every call may block on fsync.
//
// Acks: add() never makes a batch durable. A batch may be acked COMMITTED only once its
// id is returned by commit_due()/commit_all(), or when add() says kAlreadyCommitted.
// A duplicate of a batch that sits in an open or prepared file gets kDuplicatePending;
// its id is returned once, when that copy commits.
//
// Failure: any I/O or RocksDB error poisons the store (every later call fails with
// Errc::kFailed). The owner then drops it and reopens (or restarts the process); open()
// recovers a consistent state, and brokers resend whatever was not acked. Ids committed
// earlier in a failing commit_due() call are not returned; they are acked on redelivery.
//
// Memory: batch ids in memory are those of open and prepared files only; the committed
// index lives in RocksDB.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "common/compress/zstd_codec.h"
#include "common/storage/rocks_store.h"
#include "common/wire/messages.h"
#include "consumer/store/batch_id.h"
#include "consumer/store/bucket_writer.h"
#include "consumer/store/commit_manifest.h"
#include "consumer/store/sink.h"

namespace ferry::consumer::store {

class HourTracker;

struct StoreOptions {
  std::string consumer_id = "c1";    // part-<consumer_id>-<n>; a valid batch name
  bool plain = false;                // write decompressed .log instead of .log.zst
  uint64_t roll_bytes = 128u << 20;  // a file is committed before it would exceed this
  TimeMs roll_age_ms = 60'000;       // ... or once its first batch is this old (bounds unacked age)
  // Senders keep every batch in their window until it is committed: an agent (defaults
  // 256 batches, 32 MiB, all its categories) and a broker (4096 batches, 128 MiB per
  // consumer). A full window waits for a roll, so with roll_bytes and roll_age alone a
  // host or a broker could ship one window per roll_age. Hence two more rules (0: off):
  // the open files are committed once one host has roll_host_batches or
  // roll_host_bytes waiting in them (all of that host's files), or once they hold
  // roll_pending_batches or roll_pending_bytes in all (every open file). Keep these
  // below the senders' windows.
  uint64_t roll_host_batches = 128;
  uint64_t roll_host_bytes = 16u << 20;
  uint64_t roll_pending_batches = 2048;
  uint64_t roll_pending_bytes = 64u << 20;
  size_t max_open_files = 256;  // beyond this, commit_due() commits the oldest
  // A consumer tier coordinated in ZooKeeper (consumer/store/shared_commits.h): temp
  // files go to _ferry/tmp/<fence_tag>, which a successor can fence, and every commit
  // leaves a commit manifest readable by every consumer. "<consumer>-<epoch>", new at
  // every start. Empty (the default): temp files beside their final name, no manifests.
  std::string fence_tag;
};

enum class AddOutcome {
  kAccepted,          // written to an open file; acked when commit_due() returns it
  kDuplicatePending,  // a copy is in an open/prepared file; same as kAccepted for acking
  kAlreadyCommitted,  // a copy is committed: ack now, nothing written
};

struct RecoveryReport {
  size_t discarded_open = 0;  // open records: temp deleted, batches await redelivery
  size_t rolled_forward = 0;  // prepared with temp: renamed and committed
  size_t completed = 0;       // prepared with final: commit record written
  size_t lost_prepared = 0;   // prepared with neither file (external deletion): dropped
};

class BucketStore {
 public:
  // Compacts the committed-batch index: for every live stream whose seqs 1..N the
  // hour tracker knows to be committed, N becomes the stream's floor and its index
  // entries up to N go. Returns how many floors were raised. Cheap to call often.
  Result<size_t> compact_committed_index();
  // Lets the state of streams idle for HourTrackerOptions::idle_stream_ms leave memory
  // (the tracker's, the manifest's floors), except streams with batches awaiting commit.
  // Their durable records stay: a stream that sends again goes on where it stopped.
  // Returns how many streams were dropped.
  size_t expire_idle_streams(TimeMs now);
  const CommitManifest& manifest() const { return *manifest_; }

  // Column families the RocksStore must be opened with (plus HourTracker's).
  static std::vector<std::string> column_families();

  // Opens the store over `db` and recovers unfinished files. `tracker` may be null (no
  // hour completeness: nothing is ever routed to late/); it must outlive the store.
  static Result<std::unique_ptr<BucketStore>> open(storage::RocksStore& db, Sink& sink,
                                                   const Clock& clock, StoreOptions options,
                                                   HourTracker* tracker);
  ~BucketStore();

  // Appends a batch (its header validated, its payload checked and unsealed) to the
  // open file of its bucket. Errors: Errc::kBadBatch / kSealedPayload for the batch
  // (store still usable), anything else poisons.
  Result<AddOutcome> add(const wire::BatchFrame& frame);

  // Commits the files due at `now` (full, old, or over max_open_files) and returns the
  // ids of the batches they hold: these may now be acked COMMITTED.
  Result<std::vector<BatchId>> commit_due(TimeMs now);
  // Commits every open file (shutdown, tests).
  Result<std::vector<BatchId>> commit_all();

  // Moves the temp directory of a dead consumer instance (its fence tag) aside, so that
  // none of its commits in progress can complete. False: there was none (fenced before).
  Result<bool> fence(const std::string& fence_tag);
  // Reads the other consumers' commit manifests not read yet and marks their batches
  // committed here, so resends of them are acked, not written again, and the hour
  // tracker counts their seqs for the streams' watermarks. A manifest whose
  // final file does not exist (yet) is read again next time. Returns the ids learnt.
  Result<size_t> seed_from_shared_commits();

  size_t open_files() const { return open_.size() + full_.size(); }
  size_t pending_ids() const { return pending_.size(); }
  const RecoveryReport& recovery() const { return recovery_; }
  const StoreOptions& options() const { return options_; }

 private:
  BucketStore(storage::RocksStore& db, Sink& sink, const Clock& clock, StoreOptions options,
              HourTracker* tracker, std::unique_ptr<CommitManifest> manifest);

  Result<void> recover();
  Result<BucketWriter*> writer_for(const BucketKey& key, uint64_t incoming_bytes);
  using OpenWriters = std::map<BucketKey, std::unique_ptr<BucketWriter>>;
  // Moves an open writer to full_ (no more appends; commit_due() commits it) and takes
  // its batches out of the open loads. Returns the next open writer.
  OpenWriters::iterator close_for_appends(OpenWriters::iterator it);
  // The roll rules that look at what waits in all open files together (roll_host_*,
  // roll_pending_*), after a batch of `host` was appended.
  void apply_load_limits(std::string_view host);
  Result<std::string> output_bytes(const wire::BatchFrame& frame);
  Result<void> commit_writer(BucketWriter& w, std::vector<BatchId>& committed);
  // Steps (c) and (d) of the protocol; shared by commit and recovery. Sets `dropped`
  // when recovering and neither file is usable.
  Result<void> finish_prepared(const FileRecord& rec, bool recovering, bool& dropped);
  std::error_code fail(std::error_code ec);

  storage::RocksStore& db_;
  Sink& sink_;
  const Clock& clock_;
  StoreOptions options_;
  HourTracker* tracker_;
  std::unique_ptr<CommitManifest> manifest_;
  OpenWriters open_;
  std::vector<std::unique_ptr<BucketWriter>> full_;  // closed for appends, not yet committed
  HostLoads open_host_loads_;  // what waits in open_ (not full_), per host ...
  HostLoad open_load_;         // ... and in all
  std::set<BatchId> pending_;
  std::set<std::string> manifests_read_;  // names under _ferry/commits whose file exists
  compress::ZstdCompressor compressor_;
  compress::ZstdDecompressor decompressor_;
  RecoveryReport recovery_;
  std::error_code failed_;
};

}  // namespace ferry::consumer::store
