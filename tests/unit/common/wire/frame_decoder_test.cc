#include "common/wire/frame_decoder.h"

#include <random>

#include <gtest/gtest.h>

#include "common/wire/errc.h"
#include "common/wire/messages.h"

namespace ferry::wire {
namespace {

std::vector<Frame> decode_all(FrameDecoder& d, std::error_code& ec) {
  std::vector<Frame> out;
  while (true) {
    auto r = d.next();
    if (!r) {
      ec = r.error();
      return out;
    }
    if (!r.value()) return out;
    out.push_back(std::move(*r.value()));
  }
}

TEST(FrameDecoderTest, WantedSaysWhatTheFrameUnderWayStillNeeds) {
  const std::string frame = encode(Error{Errc::kBadCrc, std::string(1000, 'x')});
  FrameDecoder d;
  EXPECT_EQ(d.wanted(), kFrameHeaderSize);  // nothing yet: a header
  d.feed(std::string_view(frame).substr(0, 5));
  EXPECT_EQ(d.wanted(), kFrameHeaderSize - 5);
  d.feed(std::string_view(frame).substr(5, 300));
  EXPECT_EQ(d.wanted(), frame.size() - 305);  // the header told the rest
  d.feed(std::string_view(frame).substr(305));
  EXPECT_EQ(d.wanted(), 0u);
  std::error_code ec;
  EXPECT_EQ(decode_all(d, ec).size(), 1u);
  EXPECT_EQ(d.wanted(), kFrameHeaderSize);
}

TEST(FrameDecoderTest, ReleaseIfEmptyKeepsAPartFrameAndDecodesOnAfterwards) {
  const std::string first = encode(Heartbeat{1}), second = encode(Heartbeat{2});
  FrameDecoder d;
  d.feed(first + second.substr(0, 10));
  std::error_code ec;
  ASSERT_EQ(decode_all(d, ec).size(), 1u);
  d.release_if_empty();  // 10 bytes of `second` held: kept
  EXPECT_EQ(d.buffered(), 10u);
  d.feed(second.substr(10));
  auto frames = decode_all(d, ec);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(decode_heartbeat(frames[0].body).value().time_ms, 2);
  d.release_if_empty();
  EXPECT_EQ(d.buffered(), 0u);
  d.feed(first);
  EXPECT_EQ(decode_all(d, ec).size(), 1u);
  EXPECT_FALSE(ec);
}

TEST(FrameDecoderTest, DecodesFramesFedOneByteAtATime) {
  std::string stream = encode(Heartbeat{42}) + encode(Error{Errc::kBadCrc, "x"}) +
                       encode(Hello{kProtocolVersion, Role::kAgent, "h1", "dc1"});
  FrameDecoder d;
  std::vector<Frame> frames;
  std::error_code ec;
  for (char c : stream) {
    d.feed(std::string_view(&c, 1));
    for (auto& f : decode_all(d, ec)) frames.push_back(std::move(f));
    ASSERT_FALSE(ec) << ec.message();
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].type, FrameType::kHeartbeat);
  EXPECT_EQ(frames[1].type, FrameType::kError);
  EXPECT_EQ(frames[2].type, FrameType::kHello);
  EXPECT_EQ(decode_hello(frames[2].body).value().node_id, "h1");
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameDecoderTest, DecodesFramesInRandomChunks) {
  std::string stream;
  for (int i = 0; i < 200; ++i) stream += encode(Heartbeat{i});
  std::mt19937 rng(7);
  FrameDecoder d;
  size_t pos = 0, count = 0;
  std::error_code ec;
  while (pos < stream.size()) {
    size_t n = std::min<size_t>(stream.size() - pos, rng() % 50);
    d.feed(std::string_view(stream).substr(pos, n));
    pos += n;
    for (auto& f : decode_all(d, ec)) {
      EXPECT_EQ(decode_heartbeat(f.body).value().time_ms, static_cast<int64_t>(count));
      ++count;
    }
    ASSERT_FALSE(ec);
  }
  EXPECT_EQ(count, 200u);
}

TEST(FrameDecoderTest, TruncatedFrameWaitsForMoreBytes) {
  std::string f = encode(Heartbeat{1});
  FrameDecoder d;
  d.feed(std::string_view(f).substr(0, f.size() - 1));
  auto r = d.next();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r.value().has_value());
}

TEST(FrameDecoderTest, RejectsBadMagicAtFirstByte) {
  FrameDecoder d;
  d.feed("G");
  auto r = d.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::kBadMagic);
}

TEST(FrameDecoderTest, RejectsUnknownVersion) {
  std::string f = encode(Heartbeat{1});
  f[4] = 2;
  FrameDecoder d;
  d.feed(f);
  EXPECT_EQ(d.next().error(), Errc::kUnsupportedVersion);
}

TEST(FrameDecoderTest, RejectsUnknownFrameType) {
  for (uint8_t t : {uint8_t{0}, uint8_t{14}, uint8_t{255}}) {
    std::string f = encode(Heartbeat{1});
    f[5] = static_cast<char>(t);
    FrameDecoder d;
    d.feed(f);
    EXPECT_EQ(d.next().error(), Errc::kUnknownFrameType) << int(t);
  }
}

TEST(FrameDecoderTest, RejectsReservedFlags) {
  std::string f = encode(Heartbeat{1});
  f[6] = 1;
  FrameDecoder d;
  d.feed(f);
  EXPECT_EQ(d.next().error(), Errc::kBadFlags);
}

TEST(FrameDecoderTest, RejectsFrameOverMaxSizeBeforeBufferingBody) {
  FrameDecoder d(1024);
  std::string body(1025, 'a');
  std::string f = encode_frame(FrameType::kHeartbeat, body);
  d.feed(std::string_view(f).substr(0, kFrameHeaderSize));  // header alone is enough
  auto r = d.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::kFrameTooLarge);
}

TEST(FrameDecoderTest, AcceptsFrameAtExactlyMaxSize) {
  FrameDecoder d(1024);
  d.feed(encode_frame(FrameType::kHeartbeat, std::string(1024, 'a')));
  auto r = d.next();
  ASSERT_TRUE(r);
  ASSERT_TRUE(r.value().has_value());
  EXPECT_EQ(r.value()->body.size(), 1024u);
}

TEST(FrameDecoderTest, HugeDeclaredLengthIsRefusedWithoutAllocation) {
  std::string f = encode(Heartbeat{1});
  f[8] = f[9] = f[10] = f[11] = '\xff';  // 4 GiB
  FrameDecoder d;
  d.feed(f);
  EXPECT_EQ(d.next().error(), Errc::kFrameTooLarge);
}

TEST(FrameDecoderTest, RejectsCorruptedBodyByCrc) {
  std::string f = encode(Error{Errc::kInternal, "some text"});
  f.back() ^= 0x01;
  FrameDecoder d;
  d.feed(f);
  EXPECT_EQ(d.next().error(), Errc::kBadCrc);
}

TEST(FrameDecoderTest, StaysFailedAfterAnError) {
  FrameDecoder d;
  d.feed("XXXX");
  EXPECT_FALSE(d.next());
  d.feed(encode(Heartbeat{1}));
  EXPECT_FALSE(d.next());
  EXPECT_EQ(d.error(), Errc::kBadMagic);
}

// Arbitrary bytes never crash, hang or allocate past the limit: every input ends in a
// frame, a wait for more bytes, or an error.
TEST(FrameDecoderTest, SurvivesRandomBytesAndMutatedFrames) {
  std::mt19937 rng(12345);
  std::string valid =
      encode(Hello{kProtocolVersion, Role::kBroker, "b1", "dc1"}) + encode(Heartbeat{99});
  for (int iter = 0; iter < 20000; ++iter) {
    std::string input = valid;
    int mutations = 1 + rng() % 4;
    for (int m = 0; m < mutations; ++m) input[rng() % input.size()] = static_cast<char>(rng());
    if (iter % 3 == 0) input.resize(rng() % input.size());
    FrameDecoder d(4096);
    d.feed(input);
    std::error_code ec;
    auto frames = decode_all(d, ec);
    EXPECT_LE(d.buffered(), input.size());
    for (const auto& f : frames) {
      // Bodies that pass the CRC may still be nonsense: typed decoders must refuse it
      // cleanly, never crash.
      (void)decode_hello(f.body);
      (void)decode_status(f.body);
      (void)decode_ack(f.body);
      (void)decode_batch(f.body);
    }
  }
}

}  // namespace
}  // namespace ferry::wire
