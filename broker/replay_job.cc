#include "broker/replay_job.h"

#include "common/base/byte_io.h"
#include "common/storage/errc.h"
#include "common/wire/frame.h"

namespace ferry::broker {
namespace {

constexpr uint8_t kVersion = 1;

}  // namespace

std::string encode_replay_job(const ReplayJobState& s) {
  std::string out;
  ByteWriter w(out);
  w.u8(kVersion);
  // The request as its frame body, and the rest as a progress body: both validated on
  // the way back in by the wire decoders.
  w.str32(std::string_view(wire::encode(s.request)).substr(wire::kFrameHeaderSize));
  w.str32(s.committed_cursor);
  wire::ReplayProgress p{s.request.replay_id, s.state, {}, s.missing};
  for (const auto& [key, c] : s.counts) p.streams.push_back(c);
  w.str32(std::string_view(wire::encode(p)).substr(wire::kFrameHeaderSize));
  return out;
}

Result<ReplayJobState> decode_replay_job(std::string_view bytes) {
  ByteReader r(bytes);
  if (r.u8() != kVersion) return storage::Errc::kCorruption;
  auto request = wire::decode_replay_request(r.str32());
  std::string cursor(r.str32());
  auto progress = wire::decode_replay_progress(r.str32());
  if (!r.ok() || !r.at_end() || !request || !progress) return storage::Errc::kCorruption;
  ReplayJobState s;
  s.request = std::move(request).value();
  s.state = progress.value().state;
  s.committed_cursor = std::move(cursor);
  s.missing = std::move(progress.value().missing);
  for (auto& c : progress.value().streams) s.counts[{c.host, c.category}] = std::move(c);
  return s;
}

}  // namespace ferry::broker
