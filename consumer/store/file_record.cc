#include "consumer/store/file_record.h"

#include "common/base/byte_io.h"
#include "consumer/store/errc.h"

namespace ferry::consumer::store {
namespace {
constexpr uint8_t kVersion = 2;  // 2: incarnation per batch
}

std::string encode_record(const FileRecord& r) {
  std::string out;
  ByteWriter w(out);
  w.u8(kVersion);
  w.u64(r.number);
  w.u8(static_cast<uint8_t>(r.state));
  w.str16(r.bucket.category);
  w.i64(r.bucket.hour);
  w.u8(static_cast<uint8_t>(r.bucket.kind));
  w.u64(r.bucket.replay_id);
  w.str16(r.temp_path);
  w.str16(r.final_path);
  w.u64(r.bytes);
  w.u32(static_cast<uint32_t>(r.batches.size()));
  for (const auto& b : r.batches) {
    w.str16(b.host);
    w.u64(b.seq);
    w.u32(b.events);
    w.u64(b.incarnation);
  }
  return out;
}

Result<FileRecord> decode_record(std::string_view bytes) {
  ByteReader in(bytes);
  FileRecord r;
  if (in.u8() != kVersion) return Errc::kBadRecord;
  r.number = in.u64();
  uint8_t state = in.u8();
  r.bucket.category = std::string(in.str16());
  r.bucket.hour = in.i64();
  uint8_t kind = in.u8();
  r.bucket.replay_id = in.u64();
  r.temp_path = std::string(in.str16());
  r.final_path = std::string(in.str16());
  r.bytes = in.u64();
  uint32_t count = in.u32();
  if (!in.ok() || state < 1 || state > 3 || kind > 2 || count > in.remaining() / 22) {
    return Errc::kBadRecord;
  }
  r.state = static_cast<FileState>(state);
  r.bucket.kind = static_cast<BucketKind>(kind);
  r.batches.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    BatchMeta m;
    m.host = std::string(in.str16());
    m.seq = in.u64();
    m.events = in.u32();
    m.incarnation = in.u64();
    r.batches.push_back(std::move(m));
  }
  if (!in.ok() || !in.at_end()) return Errc::kBadRecord;
  return r;
}

}  // namespace ferry::consumer::store
