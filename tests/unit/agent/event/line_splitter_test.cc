#include "agent/event/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ferry::agent::event {
namespace {

std::string render(std::string_view bytes, uint64_t base, const std::vector<Event>& events) {
  std::string out;
  for (const auto& e : events) append_rendered(e, bytes.substr(e.offset - base, e.length), out);
  return out;
}

// What a verify tool does: join continuation pieces back into lines.
std::vector<std::string> reassemble(std::string_view rendered) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < rendered.size()) {
    size_t nl = rendered.find('\n', pos);
    std::string piece(rendered.substr(pos, nl - pos));
    pos = nl + 1;
    if (piece.starts_with(kContinuationMarker) && !lines.empty()) {
      lines.back() += piece.substr(kContinuationMarker.size());
    } else {
      lines.push_back(piece);
    }
  }
  return lines;
}

TEST(LineSplitterTest, CompleteLinesAndPendingTail) {
  LineSplitter s(100);
  std::vector<Event> ev;
  std::string bytes = "a\nbb\ncc";
  EXPECT_EQ(s.split(bytes, 10, 5, false, ev), 5u);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].offset, 10u);
  EXPECT_EQ(ev[0].length, 2u);
  EXPECT_EQ(ev[1].offset, 12u);
  EXPECT_EQ(ev[1].time_ms, 5);
  ev.clear();
  EXPECT_EQ(s.split("cc", 15, 5, true, ev), 2u);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].newline_added());
}

// A line stamped 1970 once made the consumer walk (and mark complete) every hour since.
TEST(LineSplitterTest, TimesFarFromTheReadTimeAreClampedAndCounted) {
  constexpr TimeMs kRead = 1'795'417'200'000;  // 2026-11-23T07:00:00Z
  LineSplitter s(1024);
  std::vector<Event> ev;
  const uint64_t before = clamped_event_times();
  std::string bytes =
      "1970-01-01T00:00:00Z epoch\n<134>Nov 23 06:57:01 host ok\n2026-11-23T09:00:00Z ahead\n";
  ASSERT_EQ(s.split(bytes, 0, kRead, false, ev), bytes.size());
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].time_ms, kRead);
  EXPECT_EQ(ev[1].time_ms, kRead - 179'000);
  EXPECT_EQ(ev[2].time_ms, kRead);  // two hours ahead: past the one-hour window
  EXPECT_EQ(clamped_event_times() - before, 2u);
}

TEST(LineSplitterTest, LongLineIsSplitIntoMarkedPiecesWithoutLosingBytes) {
  constexpr size_t kMax = 64;
  LineSplitter s(kMax);
  std::string line = "<134>Nov 23 06:57:01 host app: ";
  for (int i = 0; i < 300; ++i) line.push_back(static_cast<char>('a' + i % 26));
  std::string bytes = "short\n" + line + "\nafter\n";
  std::vector<Event> ev;
  constexpr TimeMs kRead = 1'795'417'200'000;  // 2026-11-23T07:00:00Z, near the line's own time
  ASSERT_EQ(s.split(bytes, 0, kRead, false, ev), bytes.size());
  ASSERT_GT(ev.size(), 4u);
  uint64_t next = 0;
  for (const auto& e : ev) {
    EXPECT_EQ(e.offset, next);
    next += e.length;
    EXPECT_LE(e.rendered_size(), kMax);
  }
  EXPECT_EQ(next, bytes.size());
  // All pieces of the long line carry the time of its first piece.
  EXPECT_NE(ev[1].time_ms, kRead);
  EXPECT_EQ(ev[2].time_ms, ev[1].time_ms);
  EXPECT_TRUE(ev[2].continuation());
  EXPECT_EQ(ev.back().time_ms, kRead);
  auto lines = reassemble(render(bytes, 0, ev));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], line);
  EXPECT_EQ(lines[2], "after");
}

TEST(LineSplitterTest, StreamingAndOneShotSplitsAgree) {
  std::string bytes;
  for (int i = 0; i < 50; ++i) bytes += std::string(static_cast<size_t>(i * 7 % 150), 'x') + "\n";
  LineSplitter whole(64);
  std::vector<Event> a;
  ASSERT_EQ(whole.split(bytes, 0, 0, true, a), bytes.size());
  // Feed the same bytes in 13-byte reads, carrying the unconsumed rest as a tailer does.
  LineSplitter streaming(64);
  std::vector<Event> b;
  size_t pos = 0, fed = 0;
  while (fed < bytes.size()) {
    fed = std::min(bytes.size(), fed + 13);
    pos += streaming.split(std::string_view(bytes).substr(pos, fed - pos), pos, 0, false, b);
  }
  EXPECT_EQ(a, b);
}

TEST(LineSplitterTest, ResumingMidLineMarksTheRestAsContinuation) {
  LineSplitter s(64);
  s.resume_mid_line(42);
  std::vector<Event> ev;
  ASSERT_EQ(s.split("tail of line\nnext\n", 100, 7, false, ev), 18u);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_TRUE(ev[0].continuation());
  EXPECT_EQ(ev[0].time_ms, 42);
  EXPECT_FALSE(ev[1].continuation());
  EXPECT_EQ(ev[1].time_ms, 7);
}

}  // namespace
}  // namespace ferry::agent::event
