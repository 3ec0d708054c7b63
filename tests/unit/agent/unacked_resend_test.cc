#include "agent/unacked_resend.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "agent/event/event.h"
#include "tests/unit/agent/batch_text.h"
#include "tests/unit/agent/stream_fixture.h"

namespace ferry::agent {
namespace {

using ferry::testing::write_file;
using testing::batch_text;
using testing::StreamFixture;

// Reads app.log into one recorded batch (seq 1) and returns it as first sent.
send::InflightBatch first_send(StreamFixture& f) {
  f.start();
  StreamBatcher::Outbox out;
  f.read_all(out);
  EXPECT_TRUE(f.stream->cut_if_lingered(std::chrono::milliseconds(0), out));
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? send::InflightBatch{} : out[0];
}

TEST(UnackedResendTest, UnackedBatchIsResentByteForByteAsFirstSent) {
  StreamFixture f;
  write_file(f.dir.file("app.log"), "one\ntwo\n");
  const auto first = first_send(f);
  std::map<std::string, StreamBatcher> streams;
  streams.emplace("app", std::move(*f.stream));
  send::InflightWindow window(10, 1 << 20);
  resend_unacked("host", *f.checkpoint, streams, *f.encoder, window);
  ASSERT_EQ(window.size(), 1u);
  window.for_each([&](const send::InflightBatch& b) {
    EXPECT_EQ(b.seq, 1u);
    EXPECT_EQ(b.frame, first.frame);
  });
}

TEST(UnackedResendTest, BatchOfAFileGoneIsALossMarkerCountedUnreadable) {
  StreamFixture f;
  write_file(f.dir.file("app.log"), "one\ntwo\n");
  first_send(f);
  f.stream.reset();                                       // the agent stops...
  ASSERT_EQ(::unlink(f.dir.file("app.log").c_str()), 0);  // ...and the file goes
  auto& restarted = f.start();
  std::map<std::string, StreamBatcher> streams;
  streams.emplace("app", std::move(restarted));
  send::InflightWindow window(10, 1 << 20);
  resend_unacked("host", *f.checkpoint, streams, *f.encoder, window);
  ASSERT_EQ(window.size(), 1u);
  window.for_each([&](const send::InflightBatch& b) {
    EXPECT_EQ(b.seq, 1u);
    const auto text = batch_text(b);
    EXPECT_EQ(text.events.rfind(event::kLostMarker, 0), 0u) << text.events;
    EXPECT_NE(text.events.find("seq=1 bytes=8"), std::string::npos) << text.events;
  });
  EXPECT_EQ(streams.at("app").watcher().unreadable_bytes(), 8u);
}

TEST(UnackedResendTest, LostMarkerNamesTheStreamAndTheRange) {
  checkpoint::BatchRecord rec;
  rec.file = {1, 2, (uint64_t{4} << 32) | 0xab};
  rec.offset = 100;
  rec.length = 20;
  const std::string marker = lost_marker("h", "app", 9, rec);
  EXPECT_EQ(marker, std::string(event::kLostMarker) +
                        "host=h category=app seq=9 bytes=20 file=1:2:4/000000ab offset=100\n");
}

}  // namespace
}  // namespace ferry::agent
