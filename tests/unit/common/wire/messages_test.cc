#include "common/wire/messages.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "common/base/crc32c.h"
#include "common/wire/frame_decoder.h"
#include "common/wire/replay_messages.h"

namespace ferry::wire {
namespace {

Frame one_frame(const std::string& bytes) {
  FrameDecoder d;
  d.feed(bytes);
  auto r = d.next();
  EXPECT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r.value().has_value());
  return std::move(*r.value());
}

batch::BatchHeader sample_header() {
  batch::BatchHeader h;
  h.host = "web-001.dc1";
  h.category = "song_completion";
  h.seq = 7;
  h.event_count = 2;
  h.raw_size = 11;
  h.payload_size = 5;
  h.min_time_ms = 1'700'000'000'000;
  h.max_time_ms = 1'700'000'001'000;
  h.file = {0x801, 123456, 0xDEADBEEFCAFEF00D};
  h.file_offset = 4096;
  h.file_length = 11;
  h.codec = batch::Codec::kZstd;
  h.flags = 0;
  h.payload_crc = crc32c::value("hello");
  h.replay_id = 0;
  return h;
}

TEST(MessagesTest, HelloRoundTrip) {
  Hello m{kProtocolVersion, Role::kConsumer, "consumer-1", "central"};
  Frame f = one_frame(encode(m));
  EXPECT_EQ(f.type, FrameType::kHello);
  EXPECT_EQ(decode_hello(f.body).value(), m);
}

TEST(MessagesTest, BatchRoundTrip) {
  BatchFrame m{sample_header(), "hello"};
  Frame f = one_frame(encode(m));
  EXPECT_EQ(f.type, FrameType::kBatch);
  auto back = decode_batch(f.body);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back.value(), m);
  EXPECT_FALSE(verify_payload(back.value()));
}

TEST(MessagesTest, AckRoundTripForEachAckType) {
  Ack m{{{"h1", "cat", 1, 10}, {"h2", "other", 5, 5}}};
  for (FrameType t : {FrameType::kStored, FrameType::kCommitted, FrameType::kDelivered}) {
    Frame f = one_frame(encode(t, m));
    EXPECT_EQ(f.type, t);
    EXPECT_EQ(decode_ack(f.body).value(), m);
  }
}

TEST(MessagesTest, WatermarkStatusHeartbeatErrorRoundTrip) {
  Watermark w{"h1", "cat", 99, 1'700'000'000'000};
  EXPECT_EQ(decode_watermark(one_frame(encode(w)).body).value(), w);

  Status s{"h1",
           1'700'000'000'123,
           {{"cat", 10, 2, 4096, 1'699'999'999'000, 1'700'000'000'000, 3},
            {"dog", 0, 0, 0, 0, 1'700'000'000'000, 0}}};
  EXPECT_EQ(decode_status(one_frame(encode(s)).body).value(), s);

  Heartbeat hb{-5};
  EXPECT_EQ(decode_heartbeat(one_frame(encode(hb)).body).value(), hb);

  Error e{Errc::kIdentityMismatch, "certificate names h2"};
  EXPECT_EQ(decode_error(one_frame(encode(e)).body).value(), e);
}

TEST(MessagesTest, TrailingBytesAreMalformed) {
  std::string body = one_frame(encode(Heartbeat{1})).body + "x";
  EXPECT_EQ(decode_heartbeat(body).error(), Errc::kMalformedBody);
}

TEST(MessagesTest, TruncatedBodiesAreMalformedNotCrashes) {
  std::string full = one_frame(encode(BatchFrame{sample_header(), "hello"})).body;
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(decode_batch(std::string_view(full).substr(0, n))) << n;
  }
  std::string status = one_frame(encode(Status{"h", 1, {{"c", 1, 1, 1, 1, 1, 1}}})).body;
  for (size_t n = 0; n < status.size(); ++n) {
    EXPECT_FALSE(decode_status(std::string_view(status).substr(0, n))) << n;
  }
}

TEST(MessagesTest, RejectsPathLikeNames) {
  auto h = sample_header();
  for (const char* bad : {"..", ".", "a/b", "", "x y", "ca\nt"}) {
    h.category = bad;
    std::string body;
    batch::encode_header(h, body);
    std::string_view in(body);
    EXPECT_FALSE(batch::decode_header(in)) << bad;
  }
}

TEST(MessagesTest, RejectsBatchStraddlingAnHour) {
  auto h = sample_header();
  h.min_time_ms = 3'600'000 * 10 - 1;
  h.max_time_ms = 3'600'000 * 10;
  EXPECT_EQ(batch::validate_header(h), Errc::kBadBatch);
}

TEST(MessagesTest, AckCountLargerThanBodyIsRefused) {
  std::string body = "\xff\xff\x00\x00";  // 65535 ranges in 4 bytes
  EXPECT_EQ(decode_ack(body).error(), Errc::kMalformedBody);
}

TEST(MessagesTest, BadPayloadCrcIsDetected) {
  BatchFrame m{sample_header(), "hellp"};
  EXPECT_EQ(verify_payload(m), Errc::kBadCrc);
}

TEST(MessagesTest, RefusalRoundTripsAndNamesOneValidBatch) {
  Refusal m{{"h1", "cat", 7, 7}, Errc::kDecompressionBomb, "expands past raw_size"};
  std::string frame = encode(m);
  auto back = decode_refusal(std::string_view(frame).substr(kFrameHeaderSize));
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), m);
  for (const auto& bad : {Refusal{{"h1", "cat", 0, 0}, Errc::kBadBatch, ""},
                          Refusal{{"h1", "cat", 1, 2}, Errc::kBadBatch, ""},
                          Refusal{{"../x", "cat", 1, 1}, Errc::kBadBatch, ""}}) {
    std::string f = encode(bad);
    EXPECT_FALSE(decode_refusal(std::string_view(f).substr(kFrameHeaderSize)))
        << bad.batch.host << bad.batch.first_seq;
  }
}

// Golden bytes: the encoding of every frame type is pinned in tests/golden/frames.hex.
// A change here is a protocol change: bump kProtocolVersion and update docs/protocol.md.
std::string hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::map<std::string, std::string> golden_frames() {
  return {
      {"HELLO", encode(Hello{kProtocolVersion, Role::kAgent, "h1", "dc1"})},
      {"BATCH", encode(BatchFrame{sample_header(), "hello"})},
      {"STORED", encode(FrameType::kStored, Ack{{{"h1", "cat", 1, 3}}})},
      {"COMMITTED", encode(FrameType::kCommitted, Ack{{{"h1", "cat", 1, 3}}})},
      {"DELIVERED", encode(FrameType::kDelivered, Ack{{{"h1", "cat", 1, 3}}})},
      {"WATERMARK", encode(Watermark{"h1", "cat", 3, 1'700'000'000'000})},
      {"STATUS", encode(Status{"h1",
                               1'700'000'000'000,
                               {{"cat", 5, 1, 100, 1'699'999'000'000, 1'700'000'000'000, 0}}})},
      {"HEARTBEAT", encode(Heartbeat{1'700'000'000'000})},
      {"ERROR", encode(Error{Errc::kBadCrc, "bad crc"})},
      {"REFUSED", encode(Refusal{{"h1", "cat", 3, 3}, Errc::kBadBatch, "bad"})},
      {"REPLAY", encode(ReplayRequest{9,
                                      ReplayAction::kStart,
                                      1'700'000'000'000,
                                      1'700'003'600'000,
                                      1u << 20,
                                      {"h1"},
                                      {"cat"}})},
      {"REPLAY_FROM_HOSTS", encode(ReplayRequest{9,
                                                 ReplayAction::kStart,
                                                 1'700'000'000'000,
                                                 1'700'003'600'000,
                                                 0,
                                                 {"h1"},
                                                 {},
                                                 ReplaySource::kHosts})},
      {"REPLAY_PROGRESS",
       encode(ReplayProgress{9,
                             ReplayState::kDone,
                             {{"h1", "cat", 2, 5}},
                             {{"", "", 1'700'000'000'000, 1'700'001'000'000, "expired"}}})},
      {"REPLAY_COMMITTED", encode(ReplayCommitted{9, {{"h1", "cat", 1, 2}}})},
  };
}

TEST(MessagesTest, GoldenBytes) {
  if (std::getenv("FERRY_WRITE_GOLDEN") != nullptr) {
    std::ofstream out(std::string(FERRY_SOURCE_DIR) + "/tests/golden/frames.hex");
    for (const auto& [n, b] : golden_frames()) out << n << " " << hex(b) << "\n";
  }
  std::ifstream in(std::string(FERRY_SOURCE_DIR) + "/tests/golden/frames.hex");
  ASSERT_TRUE(in) << "missing tests/golden/frames.hex";
  std::map<std::string, std::string> pinned;
  std::string name, bytes;
  while (in >> name >> bytes) pinned[name] = bytes;
  auto frames = golden_frames();
  ASSERT_EQ(pinned.size(), frames.size());
  for (const auto& [n, b] : frames) {
    EXPECT_EQ(hex(b), pinned[n]) << n << " encoding changed";
  }
}

}  // namespace
}  // namespace ferry::wire
