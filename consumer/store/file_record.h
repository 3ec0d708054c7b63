#pragma once
// The manifest's record of one output file: where it is, which batches it holds, and
// how far its commit got. Encoded little-endian with a version byte (ByteWriter).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "consumer/store/batch_id.h"
#include "consumer/store/bucket_path.h"

namespace ferry::consumer::store {

enum class FileState : uint8_t {
  kOpen = 1,       // temp file may exist and is incomplete: recovery deletes it
  kPrepared = 2,   // temp file complete and synced: recovery renames it (rolls forward)
  kCommitted = 3,  // final file exists; its batch ids are in the committed index
};

struct BatchMeta {
  std::string host;
  uint64_t seq = 0;
  uint32_t events = 0;
  uint64_t incarnation = 0;
  bool operator==(const BatchMeta&) const = default;
};

struct FileRecord {
  uint64_t number = 0;
  FileState state = FileState::kOpen;
  BucketKey bucket;       // category and replay id of every batch in the file
  std::string temp_path;  // sink paths
  std::string final_path;
  uint64_t bytes = 0;  // size of the synced temp file (set at prepare)
  std::vector<BatchMeta> batches;

  BatchId id_of(const BatchMeta& m) const {
    return {m.host, bucket.category, m.seq, bucket.replay_id, m.incarnation};
  }
  bool operator==(const FileRecord&) const = default;
};

std::string encode_record(const FileRecord& r);
Result<FileRecord> decode_record(std::string_view bytes);

}  // namespace ferry::consumer::store
