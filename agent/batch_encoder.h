#pragma once
// Encodes a built batch as the BATCH frame the agent sends (and resends unchanged):
// header with host, category, seq, incarnation and source file; payload zstd-compressed,
// then sealed with the newest key when the agent holds sealing keys.

#include <cstdint>
#include <string>

#include "agent/send/inflight_window.h"
#include "common/base/result.h"
#include "common/batch/batch_builder.h"
#include "common/batch/batch_header.h"
#include "common/compress/zstd_codec.h"
#include "common/crypto/key_ring.h"

namespace ferry::agent {

// The window's entry for batch `seq` of `category`, without its frame.
send::InflightBatch inflight_of(const std::string& category, uint64_t seq,
                                const batch::BuiltBatch& built);

class BatchEncoder {
 public:
  // `keys` null: payloads are not sealed.
  BatchEncoder(std::string host, uint64_t incarnation, int zstd_level,
               std::shared_ptr<const crypto::KeyStore> keys = nullptr)
      : host_(std::move(host)),
        incarnation_(incarnation),
        zstd_(zstd_level),
        keys_(std::move(keys)) {}

  // The batch `seq` of `category`, ready for the in-flight window; an error if it does
  // not fit the wire's limits. A replay id (not 0) marks a batch re-read for a replay
  // from the host's files: a seq space of that replay's own.
  Result<send::InflightBatch> encode(const std::string& category, uint64_t seq,
                                     const batch::BuiltBatch& built,
                                     const batch::FileIdentity& file, uint64_t replay_id = 0);

 private:
  std::string host_;
  uint64_t incarnation_;
  compress::ZstdCompressor zstd_;
  std::shared_ptr<const crypto::KeyStore> keys_;
};

}  // namespace ferry::agent
