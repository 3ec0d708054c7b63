#pragma once
// One output file being built for a bucket (category, hour, kind): an open temp file
// plus the manifest record that will describe it. Appends are not durable until sync().
// Owned and driven by BucketStore, on its thread.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "consumer/store/file_record.h"
#include "consumer/store/sink.h"

namespace ferry::consumer::store {

// Batches and bytes waiting, uncommitted: of one host in a file, or in several files.
struct HostLoad {
  uint64_t batches = 0;
  uint64_t bytes = 0;
};
using HostLoads = std::map<std::string, HostLoad, std::less<>>;

class BucketWriter {
 public:
  BucketWriter(FileRecord record, std::unique_ptr<Sink::Writer> out, TimeMs opened_at_ms)
      : record_(std::move(record)), out_(std::move(out)), opened_at_ms_(opened_at_ms) {}

  // Appends one batch's output bytes and remembers its id.
  Result<void> append(std::string_view bytes, BatchMeta meta) {
    BOOST_OUTCOME_TRY(out_->append(bytes));
    HostLoad& load = loads_[meta.host];
    ++load.batches;
    load.bytes += bytes.size();
    record_.batches.push_back(std::move(meta));
    return success();
  }
  // Makes everything appended durable and records the synced size.
  Result<void> sync() {
    BOOST_OUTCOME_TRY(out_->sync());
    record_.bytes = out_->size();
    return success();
  }
  // Closes the temp file (after sync; nothing is appended once a file is prepared).
  void close() { out_.reset(); }

  uint64_t bytes() const { return out_ ? out_->size() : record_.bytes; }
  TimeMs opened_at_ms() const { return opened_at_ms_; }
  FileRecord& record() { return record_; }
  const HostLoads& loads() const { return loads_; }
  const FileRecord& record() const { return record_; }

 private:
  FileRecord record_;
  std::unique_ptr<Sink::Writer> out_;
  TimeMs opened_at_ms_;
  HostLoads loads_;  // by host (a file holds one category)
};

}  // namespace ferry::consumer::store
