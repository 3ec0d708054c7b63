#include "agent/batch_encoder.h"

#include "common/batch/payload.h"
#include "common/crypto/payload_seal.h"
#include "common/wire/messages.h"

namespace ferry::agent {

Result<send::InflightBatch> BatchEncoder::encode(const std::string& category, uint64_t seq,
                                                 const batch::BuiltBatch& built,
                                                 const batch::FileIdentity& file,
                                                 uint64_t replay_id) {
  wire::BatchFrame frame;
  frame.header.host = host_;
  frame.header.category = category;
  frame.header.seq = seq;
  frame.header.incarnation = incarnation_;
  frame.header.file = file;
  auto payload = batch::encode_payload(built, batch::Codec::kZstd, zstd_, frame.header);
  if (!payload) return payload.error();
  frame.payload = std::move(payload).value();
  if (keys_) {
    auto ring = keys_->current();
    const uint32_t id = ring->newest_id();
    if (auto ec = crypto::seal_payload(*ring->find(id), id, frame.header, frame.payload)) return ec;
  }
  // After sealing: the replay id is not in the seal's associated data (security.md).
  frame.header.replay_id = replay_id;
  if (auto ec = batch::validate_header(frame.header)) return ec;
  send::InflightBatch ib = inflight_of(category, seq, built);
  ib.frame = wire::encode(frame);
  return ib;
}

send::InflightBatch inflight_of(const std::string& category, uint64_t seq,
                                const batch::BuiltBatch& built) {
  send::InflightBatch ib;
  ib.category = category;
  ib.seq = seq;
  ib.events = built.event_count;
  ib.min_time_ms = built.min_time_ms;
  ib.max_time_ms = built.max_time_ms;
  return ib;
}

}  // namespace ferry::agent
