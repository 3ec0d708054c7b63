#include "agent/tail/source_watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/tail/errc.h"
#include "agent/tail/unopened_files.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent::tail {
namespace {

using ferry::testing::TempDir;

using ferry::testing::FakeClock;

// A writer that keeps its descriptor across renames and deletes, like a logging app.
class Writer {
 public:
  explicit Writer(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}
  ~Writer() { ::close(fd_); }
  void write(std::string_view s) {
    ASSERT_EQ(::write(fd_, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }

 private:
  int fd_;
};

struct Drained {
  std::vector<std::string> lines;  // reassembled, without '\n'
  std::vector<ReadChunk> chunks;
};

Drained drain(SourceWatcher& w, size_t max_bytes = 4096) {
  Drained out;
  std::string rendered;
  for (;;) {
    auto chunk = w.read_some(max_bytes);
    EXPECT_TRUE(chunk) << chunk.error().message();
    if (!chunk || chunk.value().empty()) break;
    for (const auto& e : chunk.value().events) {
      std::string one;
      event::append_rendered(e, chunk.value().source(e), one);
      one.pop_back();
      if (e.continuation() && !out.lines.empty()) {
        out.lines.back() += one.substr(event::kContinuationMarker.size());
      } else {
        out.lines.push_back(one);
      }
    }
    out.chunks.push_back(std::move(chunk).value());
  }
  return out;
}

using Lines = std::vector<std::string>;

Lines sorted(Lines lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

// 40 lines, more than a fingerprint's worth: enough to tell a copy by its first bytes.
std::string first_kilobyte() {
  std::string head;
  for (int i = 0; i < 40; ++i) head += "line " + std::to_string(i) + " of the first kilobyte\n";
  return head;
}

class SourceWatcherTest : public ::testing::Test {
 protected:
  std::unique_ptr<SourceWatcher> make(std::vector<std::string> globs, size_t max_event = 4096) {
    SourceOptions o;
    o.category = "cat";
    for (auto& g : globs) o.globs.push_back(dir_.file(g));
    o.max_event_bytes = max_event;
    o.rotate_wait_ms = 1'000;
    return std::make_unique<SourceWatcher>(o, clock_);
  }
  std::string path(const std::string& name) { return dir_.file(name); }
  // logrotate's copytruncate of app.log: copied to `copy`, then emptied in place.
  void copytruncate(const std::string& copy) {
    std::filesystem::copy_file(path("app.log"), path(copy));
    std::filesystem::resize_file(path("app.log"), 0);
  }
  // `w` watches `glob` and has read the first kilobyte that `out` wrote to app.log.
  void start_after_first_kilobyte(Writer& out, std::unique_ptr<SourceWatcher>& w,
                                  const std::string& glob = "app.log*") {
    w = make({glob});
    out.write(first_kilobyte());
    ASSERT_TRUE(w->start());
    EXPECT_EQ(drain(*w).lines.size(), 40u);
  }

  // app.log*'s watcher saw two lines it did not read yet when app.log is copied to
  // `copy` and truncated; returns what it reads afterwards, sorted.
  Lines copytruncate_with_unread_tail(const std::string& copy) {
    Writer out(path("app.log"));
    start_after_first_kilobyte(out, watcher_);
    out.write("unread-1\nunread-2\n");
    EXPECT_TRUE(watcher_->poll());  // sees them but nobody asks to read them
    copytruncate(copy);
    out.write("after\n");
    EXPECT_TRUE(watcher_->poll());
    auto lines = sorted(drain(*watcher_).lines);
    return lines;
  }

  // app.log's copy is made: after the truncation only the new line is read.
  void truncate_then_only_new_lines_are_read(Writer& out, SourceWatcher& w) {
    std::filesystem::resize_file(path("app.log"), 0);
    out.write("after\n");
    ASSERT_TRUE(w.poll());
    EXPECT_EQ(drain(w).lines, (Lines{"after"}));
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SourceWatcher> watcher_;
};

TEST_F(SourceWatcherTest, ReadsFilesThatAppearAfterStart) {
  auto w = make({"app*.log"});
  ASSERT_TRUE(w->start());
  EXPECT_TRUE(drain(*w).lines.empty());
  Writer out(path("app.log"));
  out.write("one\ntwo\n");
  ASSERT_TRUE(w->poll());
  EXPECT_TRUE(drain(*w).lines.empty()) << "8 bytes could be the start of a copy being written";
  clock_.now += kDecideAfterMs;
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"one", "two"}));
}

TEST_F(SourceWatcherTest, NewFileWithEnoughBytesToTellIsReadAtOnce) {
  auto w = make({"app*.log"});
  ASSERT_TRUE(w->start());
  Writer out(path("app.log"));
  const std::string line(kMinCopyPrefix, 'x');
  out.write(line + "\n");
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{line}));
}

TEST_F(SourceWatcherTest, CompressedRotatedFilesAreNeverTailed) {
  // logrotate `compress`: app.log.2.gz appears beside the live file the glob also names.
  auto w = make({"app.log*"});
  ASSERT_TRUE(w->start());
  Writer gz(path("app.log.2.gz"));
  gz.write(std::string(kMinCopyPrefix, 'z') + "\n");
  Writer zst(path("app.log.3.zst"));
  zst.write(std::string(kMinCopyPrefix, 's') + "\n");
  Writer out(path("app.log"));
  const std::string line(kMinCopyPrefix, 'x');
  out.write(line + "\n");
  ASSERT_TRUE(w->poll());
  clock_.now += kDecideAfterMs;
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{line}));
}

TEST_F(SourceWatcherTest, NothingIsReadUnlessAsked) {
  Writer out(path("app.log"));
  out.write("a\nb\nc\n");
  auto w = make({"app.log"});
  ASSERT_TRUE(w->start());
  auto first = w->read_some(2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first.value().events.size(), 1u);
  EXPECT_EQ(w->files()[0].position, 2u);
  EXPECT_EQ(w->backlog_bytes(), 4u);
}

TEST_F(SourceWatcherTest, UnterminatedLineWaitsForItsNewline) {
  Writer out(path("app.log"));
  out.write("a\nb");
  auto w = make({"app.log"});
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines, (Lines{"a"}));
  clock_.now += 60'000;  // a live file's tail waits however long it takes
  ASSERT_TRUE(w->poll());
  EXPECT_TRUE(drain(*w).lines.empty());
  out.write("c\n");
  auto d = drain(*w);
  EXPECT_EQ(d.lines, (Lines{"bc"}));
  EXPECT_EQ(d.chunks[0].events[0].offset, 2u);
  EXPECT_EQ(d.chunks[0].events[0].length, 3u);
}

TEST_F(SourceWatcherTest, RenameAndCreateReadsTheOldFileToItsEnd) {
  auto w = make({"app.log"});
  auto out = std::make_unique<Writer>(path("app.log"));
  out->write("1\n");
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines, (Lines{"1"}));
  std::filesystem::rename(path("app.log"), path("app.log.1"));
  out->write("2\n3-unterminated");  // the app writes on until it reopens
  Writer fresh(path("app.log"));
  fresh.write("4\n");
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"2"}));
  clock_.now +=
      1'000;  // rotate_wait passes: the old file's tail becomes an event; the new file is decided
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"3-unterminated", "4"}));
  ASSERT_EQ(w->finished_files().size(), 1u);
}

TEST_F(SourceWatcherTest, RotatedNameStillMatchingTheGlobIsNotReadTwice) {
  auto w = make({"app.log*"});
  Writer out(path("app.log"));
  out.write("1\n2\n");
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines, (Lines{"1", "2"}));
  std::filesystem::rename(path("app.log"), path("app.log.1"));
  out.write("3\n");
  Writer fresh(path("app.log"));
  fresh.write("4\n");
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"3"}));
  clock_.now += kDecideAfterMs;
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"4"}));
  ASSERT_TRUE(w->poll());
  clock_.now += 5'000;
  EXPECT_TRUE(drain(*w).lines.empty());
  // Releasing the finished file does not make its still-matching name new again.
  ASSERT_EQ(w->finished_files().size(), 1u);
  w->release(w->finished_files()[0]);
  ASSERT_TRUE(w->poll());
  EXPECT_TRUE(drain(*w).lines.empty());
}

TEST_F(SourceWatcherTest, HourlyNamedFiles) {
  auto w = make({"app-*.log"});
  Writer h0(path("app-2026112306.log"));
  h0.write("a\n");
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines, (Lines{"a"}));
  h0.write("b\n");
  Writer h1(path("app-2026112307.log"));
  h1.write("c\n");
  ASSERT_TRUE(w->poll());
  clock_.now += kDecideAfterMs;
  ASSERT_TRUE(w->poll());
  auto lines = sorted(drain(*w).lines);
  EXPECT_EQ(lines, (Lines{"b", "c"}));
}

TEST_F(SourceWatcherTest, CopytruncateRestartsAtZero) {
  auto w = make({"app.log"});
  Writer out(path("app.log"));
  out.write("1\n2\n");
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines, (Lines{"1", "2"}));
  copytruncate("app.log.1");
  out.write("3\n");  // O_APPEND: writes at the new end
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"3"}));
  EXPECT_EQ(w->unreadable_bytes(), 0u);
}

TEST_F(SourceWatcherTest, CopytruncateCountsBytesNeverRead) {
  auto w = make({"app.log"});
  Writer out(path("app.log"));
  out.write("1\n");
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines, (Lines{"1"}));
  out.write("unread-1\nunread-2\n");
  ASSERT_TRUE(w->poll());  // sees them but nobody asks to read them
  std::filesystem::resize_file(path("app.log"), 0);
  out.write("3\n");
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"3"}));
  EXPECT_EQ(w->unreadable_bytes(), 18u);
}

TEST_F(SourceWatcherTest, CopytruncateCopyMatchingTheGlobResumesWhereTheOriginalWas) {
  Writer out(path("app.log"));
  std::unique_ptr<SourceWatcher> w;
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, w));
  out.write("tail-before-rotation\n");
  copytruncate("app.log.1");
  out.write("after\n");
  ASSERT_TRUE(w->poll());
  auto lines = sorted(drain(*w).lines);
  EXPECT_EQ(lines, (Lines{"after", "tail-before-rotation"}));
  auto copies = w->take_adopted_copies();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].offset, first_kilobyte().size());
}

// The copy is found before the original is truncated, and lines keep going to the
// original meanwhile: they are read once (from the original), and the copy only
// supplies what the original lost to the truncation.
TEST_F(SourceWatcherTest, CopyFoundBeforeTheTruncationWaitsForIt) {
  Writer out(path("app.log"));
  std::unique_ptr<SourceWatcher> w;
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, w));
  out.write("before-copy\n");
  std::filesystem::copy_file(path("app.log"), path("app.log.1"));
  ASSERT_TRUE(w->poll());  // finds the copy; the original is still whole
  out.write("between-copy-and-truncate\n");
  auto before = drain(*w).lines;
  EXPECT_EQ(before, (Lines{"before-copy", "between-copy-and-truncate"}));
  EXPECT_TRUE(w->take_adopted_copies().empty()) << "a waiting copy has no position yet";
  ASSERT_NO_FATAL_FAILURE(truncate_then_only_new_lines_are_read(out, *w));
  auto copies = w->take_adopted_copies();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].offset,
            first_kilobyte().size() + 12);  // the copy's end: it never had the later line
  EXPECT_EQ(w->unreadable_bytes(), 0u);
}

// A plain copy of a file that is never truncated is never read.
TEST_F(SourceWatcherTest, CopyOfAFileNeverTruncatedIsNotRead) {
  Writer out(path("app.log"));
  std::unique_ptr<SourceWatcher> w;
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, w));
  std::filesystem::copy_file(path("app.log"), path("app.log.bak"));
  out.write("more\n");
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"more"}));
  std::filesystem::remove(path("app.log.bak"));
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(w->files().size(), 1u) << "the copy is let go";
}

// copytruncate creates the copy empty and fills it afterwards. Found while still empty,
// the copy is not taken for a new file (that would read the whole content twice): it
// waits until its first bytes tell what it is.
TEST_F(SourceWatcherTest, CopyFoundWhileStillEmptyIsToldOnceItHasItsFirstBytes) {
  Writer out(path("app.log"));
  std::unique_ptr<SourceWatcher> w;
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, w));
  out.write("before-copy\n");
  {
    Writer copy(path("app.log.1"));  // created, not yet written
    ASSERT_TRUE(w->poll());
    EXPECT_EQ(drain(*w).lines, (Lines{"before-copy"}));
    copy.write(first_kilobyte() + "before-copy\n");
  }
  ASSERT_TRUE(w->poll());
  EXPECT_TRUE(drain(*w).lines.empty()) << "the copy's content was read from the original";
  ASSERT_NO_FATAL_FAILURE(truncate_then_only_new_lines_are_read(out, *w));
  EXPECT_EQ(w->unreadable_bytes(), 0u);
}

// The original was truncated before the agent read its last lines; its copy carries
// them, so they are read from there and not reported lost.
TEST_F(SourceWatcherTest, BytesTheCopyCarriesOnAreNotCountedUnreadable) {
  EXPECT_EQ(copytruncate_with_unread_tail("app.log.1"), (Lines{"after", "unread-1", "unread-2"}));
  EXPECT_EQ(watcher_->unreadable_bytes(), 0u);
}

// The same without a copy at a glob path: the bytes are gone, and counted.
TEST_F(SourceWatcherTest, BytesNoCopyCarriesOnAreCountedUnreadable) {
  EXPECT_EQ(copytruncate_with_unread_tail("elsewhere.log"), (Lines{"after"}));
  EXPECT_EQ(watcher_->unreadable_bytes(), 0u) << "a copy may still turn up";
  clock_.now += 2 * kDecideAfterMs;
  ASSERT_TRUE(watcher_->poll());
  EXPECT_EQ(watcher_->unreadable_bytes(), 18u);
}

// logrotate's usual layout: the glob names app.log only, and copytruncate leaves the
// copy app.log.1 beside it. Lines written after the last look and before the truncation
// live on only in the copy: they are read from there, once, and the copy is let go.
TEST_F(SourceWatcherTest, CopyBesideTheOriginalThatNoGlobNamesCarriesItsUnreadTail) {
  Writer out(path("app.log"));
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, watcher_, "app.log"));
  out.write("unseen-1\nunseen-2\n");  // no poll or read sees them
  copytruncate("app.log.1");
  out.write("after\n");
  ASSERT_TRUE(watcher_->poll());
  EXPECT_EQ(sorted(drain(*watcher_).lines), (Lines{"after", "unseen-1", "unseen-2"}));
  auto copies = watcher_->take_adopted_copies();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].path, path("app.log.1"));
  EXPECT_EQ(copies[0].offset, first_kilobyte().size());
  // Read to its end and finished like a rotated file; nothing lost, nothing read twice.
  clock_.now += 2 * kDecideAfterMs;
  ASSERT_TRUE(watcher_->poll());
  EXPECT_TRUE(drain(*watcher_).lines.empty());
  EXPECT_EQ(watcher_->finished_files().size(), 1u);
  EXPECT_EQ(watcher_->unreadable_bytes(), 0u);
  ASSERT_TRUE(watcher_->poll());
  EXPECT_TRUE(drain(*watcher_).lines.empty());
}

// Beside the original but named otherwise, or with other first bytes: not its copy.
TEST_F(SourceWatcherTest, FilesBesideTheOriginalThatAreNoCopyOfItAreNotRead) {
  Writer out(path("app.log"));
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, watcher_, "app.log"));
  out.write("seen\n");
  ASSERT_TRUE(watcher_->poll());
  ferry::testing::write_file(path("app.log.2"),
                             "an older rotation with other content entirely, and long enough\n");
  ferry::testing::write_file(path("other.log"), first_kilobyte() + "seen\n");
  std::filesystem::resize_file(path("app.log"), 0);
  out.write("after\n");
  ASSERT_TRUE(watcher_->poll());
  EXPECT_EQ(drain(*watcher_).lines, (Lines{"after"}));
  EXPECT_EQ(watcher_->files().size(), 1u);
  clock_.now += 2 * kDecideAfterMs;
  ASSERT_TRUE(watcher_->poll());
  EXPECT_EQ(watcher_->unreadable_bytes(), 5u) << "the unread line the poll saw is lost and counted";
}

// Root opens any file: the scenario then runs in a child that is nobody.
void as_unprivileged_user(const std::function<void()>& scenario) {
  if (::geteuid() != 0) return scenario();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    scenario();
    ::_exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the unprivileged run failed (status " << status << ")";
}

// A glob match that cannot be opened is reported once, not at every poll, and tried
// again with backoff until it opens.
TEST_F(SourceWatcherTest, UnopenableFileIsReportedOnceAndRetriedWithBackoff) {
  as_unprivileged_user([] {
    TempDir dir;
    FakeClock clock;
    ferry::testing::write_file(dir.file("app.log"), "x\n");
    ::chmod(dir.file("app.log").c_str(), 0);
    std::ostringstream log;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    spdlog::default_logger()->sinks().push_back(sink);
    SourceOptions o;
    o.category = "cat";
    o.globs = {dir.file("app.log")};
    SourceWatcher w(o, clock);
    EXPECT_TRUE(w.start());
    for (int i = 0; i < 20; ++i) {
      clock.now += 500;  // the agent's safety poll
      EXPECT_TRUE(w.poll());
    }
    ::chmod(dir.file("app.log").c_str(), 0644);
    clock.now += kUnopenedRetryMax.count();
    EXPECT_TRUE(w.poll());
    clock.now += kDecideAfterMs;  // a short file found while running waits to be told from a copy
    EXPECT_TRUE(w.poll());
    EXPECT_EQ(drain(w).lines, (Lines{"x"}));
    spdlog::default_logger()->sinks().pop_back();
    const std::string text = log.str();
    size_t reports = 0;
    for (size_t at = text.find("cannot open"); at != std::string::npos;
         at = text.find("cannot open", at + 1))
      ++reports;
    EXPECT_EQ(reports, 1u) << text;
    EXPECT_NE(text.find("can be opened now"), std::string::npos) << text;
  });
}

// Truncated and written past the read offset again between two polls: the read that
// follows would see new bytes at an old offset. It notices, hands out nothing, and the
// new content is read from 0 and the old tail from the copy.
TEST_F(SourceWatcherTest, TruncatedAndRegrownBeforeThePollIsNotReadAtTheOldOffset) {
  Writer out(path("app.log"));
  std::unique_ptr<SourceWatcher> w;
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, w));
  out.write("old-tail\n");
  copytruncate("app.log.1");
  std::string regrown;
  for (int i = 0; i < 120; ++i) regrown += "new content line " + std::to_string(i) + "\n";
  out.write(regrown);
  auto lines = drain(*w).lines;  // no poll between the truncation and this read
  EXPECT_TRUE(w->needs_poll());
  EXPECT_TRUE(drain(*w).lines.empty()) << "nothing is read before the copy is looked for";
  ASSERT_TRUE(w->poll());
  for (auto& l : drain(*w).lines) lines.push_back(l);
  Lines expected{"old-tail"};
  for (int i = 0; i < 120; ++i) expected.push_back("new content line " + std::to_string(i));
  EXPECT_EQ(sorted(lines), sorted(expected));
  EXPECT_EQ(w->unreadable_bytes(), 0u);
}
// logrotate's copytruncate leaves a window: lines the app writes between the copy and
// the truncation are in the original only. Read from there, they put the original's
// read offset past the copy's end; the copy is then at its end, not "truncated".
TEST_F(SourceWatcherTest, CopyShorterThanTheReadOffsetIsNotReadAgain) {
  Writer out(path("app.log"));
  std::unique_ptr<SourceWatcher> w;
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, w));
  std::filesystem::copy_file(path("app.log"), path("app.log.1"));
  out.write("between-copy-and-truncate\n");
  EXPECT_EQ(drain(*w).lines, (Lines{"between-copy-and-truncate"}));
  ASSERT_NO_FATAL_FAILURE(truncate_then_only_new_lines_are_read(out, *w));
  ASSERT_TRUE(w->poll());
  EXPECT_TRUE(drain(*w).lines.empty()) << "the copy was read again";
}

// The agent had read half a line when the original was copied (with the whole line)
// and truncated: the line goes out once and whole, from the copy.
TEST_F(SourceWatcherTest, LineHalfReadAtTheTruncationGoesOutWholeFromTheCopy) {
  Writer out(path("app.log"));
  std::unique_ptr<SourceWatcher> w;
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, w));
  out.write("half-");
  EXPECT_TRUE(drain(*w).lines.empty());
  out.write("line\n");
  copytruncate("app.log.1");
  out.write("after\n");
  ASSERT_TRUE(w->poll());
  auto d = drain(*w);
  EXPECT_EQ(sorted(d.lines), (Lines{"after", "half-line"}));
  size_t events = 0;
  for (const auto& c : d.chunks) events += c.events.size();
  EXPECT_EQ(events, 2u) << "the line was cut in two";
}

// A new file that starts with a live file's whole content (a header-only file) waits as
// its copy; once it grows past it, it cannot be one, and is read as a new file.
TEST_F(SourceWatcherTest, WaitingCopyThatOutgrowsItsOriginalIsANewFile) {
  const std::string header =
      "#Version: 1.0\n#Fields: date time s-ip cs-method cs-uri-stem sc-status time-taken\n";
  auto w = make({"app-*.log"});
  Writer h6(path("app-06.log"));
  h6.write(header);
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines.size(), 2u);
  Writer h7(path("app-07.log"));
  h7.write(header);
  ASSERT_TRUE(w->poll());
  EXPECT_TRUE(drain(*w).lines.empty());
  h7.write("2026-11-23 07:00:01 10.0.0.1 GET / 200 3\n");
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines.size(), 3u);
}

// A batch recorded while its file was shorter than a KiB (a provisional identity) can
// still be read for a resend after the file was copytruncated: from the copy.
TEST_F(SourceWatcherTest, ResendOfASmallFilesBatchReadsItFromTheCopy) {
  Writer out(path("app.log"));
  const std::string lines =
      "first line of a small file, long enough to be told by\nsecond line\nthird line\n";
  out.write(lines);
  auto w = make({"app.log*"});
  ASSERT_TRUE(w->start());
  auto d = drain(*w);
  ASSERT_EQ(d.chunks.size(), 1u);
  const auto file = d.chunks[0].file;
  copytruncate("app.log.1");
  out.write("after\n");
  ASSERT_TRUE(w->poll());
  auto range = w->read_range(file, 0, lines.size());
  ASSERT_TRUE(range) << range.error().message();
  EXPECT_EQ(range.value(), lines);
}

// Backpressure: nothing is read while two copytruncates pass. The second copy holds
// lines the agent never read from the original; it starts at 0, not at the offset the
// original had reached in its first content.
TEST_F(SourceWatcherTest, TwoCopytruncatesWhileNothingIsReadLoseNothing) {
  Writer out(path("app.log"));
  std::unique_ptr<SourceWatcher> w;
  ASSERT_NO_FATAL_FAILURE(start_after_first_kilobyte(out, w));
  copytruncate("app.log.1");
  ASSERT_TRUE(w->poll());
  std::string second;
  Lines expected;
  for (int i = 0; i < 40; ++i) {
    expected.push_back("second content, line " + std::to_string(i));
    second += expected.back() + "\n";
  }
  out.write(second);
  std::filesystem::copy_file(path("app.log"), path("app.log.2"));
  ASSERT_TRUE(w->poll());  // finds the copy before the truncation
  std::filesystem::resize_file(path("app.log"), 0);
  out.write("third\n");
  expected.push_back("third");
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(sorted(drain(*w).lines), sorted(expected));
  EXPECT_EQ(w->unreadable_bytes(), 0u);
}

// A new hourly file that starts with the same header as the last hour's is not a copy
// of it: it is read once it has more bytes than the header, or after a short wait.
TEST_F(SourceWatcherTest, NewFileSharingAHeaderWithAnotherIsNoCopy) {
  const std::string header =
      "#Version: 1.0\n#Fields: date time s-ip cs-method cs-uri-stem sc-status time-taken\n";
  auto w = make({"app-*.log"});
  Writer h6(path("app-06.log"));
  h6.write(header + first_kilobyte());
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines.size(), 42u);
  Writer h7(path("app-07.log"));
  h7.write(header);
  ASSERT_TRUE(w->poll());
  EXPECT_TRUE(drain(*w).lines.empty()) << "could still be a copy of app-06.log being written";
  h7.write("2026-11-23 07:00:01 10.0.0.1 GET / 200 3\n");
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines.size(), 3u);
  // Only the header for a while: a new file too (a copy is written at once).
  Writer h8(path("app-08.log"));
  h8.write(header);
  ASSERT_TRUE(w->poll());
  clock_.now += kDecideAfterMs;
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines.size(), 2u);
}

// copytruncate racing the watcher: a thread writes, copies and truncates while the
// watcher polls and reads without pause, so every interleaving the scheduler offers
// (copy found empty, half-written, before or after the truncation; truncation seen by
// the poll or by a read) comes up. Every line is read exactly once.
TEST_F(SourceWatcherTest, CopytruncateRacingTheWatcherReadsEveryLineOnce) {
  auto w = make({"app.log*"});
  ASSERT_TRUE(w->start());
  constexpr int kRotations = 200;
  constexpr int kLinesPerFile = 25;  // 2.5 KB: a copy has a final fingerprint
  std::atomic<bool> done{false};
  std::thread writer([&] {
    Writer out(path("app.log"));
    int n = 0;
    for (int r = 1; r <= kRotations; ++r) {
      for (int i = 0; i < kLinesPerFile; ++i) {
        char line[128];
        std::snprintf(line, sizeof line,
                      "line %06d of the racing writer, padded to about a hundred bytes ......\n",
                      n++);
        out.write(line);
      }
      copytruncate("app.log." + std::to_string(r));
    }
    done = true;
  });
  Lines lines;
  bool ok = true;
  while (!done && ok) {
    ok = static_cast<bool>(w->poll());
    for (auto& l : drain(*w).lines) lines.push_back(l);
    clock_.now += 1;
  }
  writer.join();
  ASSERT_TRUE(ok);
  for (int i = 0; i < 3; ++i) {
    clock_.now += kDecideAfterMs;
    ASSERT_TRUE(w->poll());
    for (auto& l : drain(*w).lines) lines.push_back(l);
  }
  std::map<std::string, int> seen;
  for (const auto& l : lines) ++seen[l.substr(0, 11)];
  int missing = 0, twice = 0;
  for (int n = 0; n < kRotations * kLinesPerFile; ++n) {
    char id[16];
    std::snprintf(id, sizeof id, "line %06d", n);
    const int count = seen[id];
    missing += count == 0;
    twice += count > 1;
    if (count != 1 && missing + twice <= 3) ADD_FAILURE() << id << " read " << count << " times";
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(twice, 0);
  EXPECT_EQ(lines.size(), static_cast<size_t>(kRotations * kLinesPerFile));
  // Not asserted: unreadable_bytes(). At this pace (a rotation every half millisecond)
  // about 1 run in 100 counts a few contents lost that a copy did carry on; the lines
  // above are exact in every run.
}

TEST_F(SourceWatcherTest, DeletedWhileOpenIsReadToItsEndThroughTheDescriptor) {
  auto w = make({"app.log"});
  auto out = std::make_unique<Writer>(path("app.log"));
  out->write("1\n2\n3\n");
  ASSERT_TRUE(w->start());
  auto first = w->read_some(2);
  ASSERT_TRUE(first);
  const ReadChunk chunk = first.value();
  std::filesystem::remove(path("app.log"));
  out->write("4\n");
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"2", "3", "4"}));
  EXPECT_EQ(w->unreadable_bytes(), 0u);
  // A resend of the first line is still possible while the file is held.
  auto again = w->read_range(chunk.file, 0, 2);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again.value(), "1\n");
  clock_.now += 1'000;
  EXPECT_TRUE(drain(*w).lines.empty());
  ASSERT_EQ(w->finished_files().size(), 1u);
  w->release(w->finished_files()[0]);
  auto gone = w->read_range(chunk.file, 0, 2);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error(), Errc::kFileGone);
}

TEST_F(SourceWatcherTest, VeryLongLineIsSplitAndReassembles) {
  auto w = make({"app.log"}, 100);
  std::string longline(1'000, 'x');
  longline[0] = 'S';
  longline.back() = 'E';
  Writer out(path("app.log"));
  out.write("a\n" + longline);
  ASSERT_TRUE(w->start());
  auto d = drain(*w, 64);
  // The pieces are handed out before the newline arrives: memory stays bounded.
  ASSERT_GE(d.lines.size(), 2u);
  out.write("\nb\n");
  auto rest = drain(*w, 64);
  // Reassemble across the two drains the way a verifier does (by marker).
  Lines all = d.lines;
  for (auto& c : rest.chunks) {
    for (auto& e : c.events) {
      std::string s(c.source(e));
      if (!s.empty() && s.back() == '\n') s.pop_back();
      if (e.continuation())
        all.back() += s;
      else
        all.push_back(s);
    }
  }
  EXPECT_EQ(all, (Lines{"a", longline, "b"}));
}

TEST_F(SourceWatcherTest, ReadRangeAndRereadAfterRotation) {
  auto w = make({"app.log*"}, 64);
  Writer out(path("app.log"));
  std::string content = "<134>Nov 23 06:57:01 h a: x\n" + std::string(150, 'y') + "\nz\n";
  out.write(content);
  ASSERT_TRUE(w->start());
  auto d = drain(*w);
  ASSERT_EQ(d.chunks.size(), 1u);
  const ReadChunk& original = d.chunks[0];
  std::filesystem::rename(path("app.log"), path("app.log.1"));
  ASSERT_TRUE(w->poll());
  auto bytes = w->read_range(original.file, 0, content.size());
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes.value(), content);
  // Re-read starting inside the long line: same events, byte for byte.
  const auto& e2 = original.events[2];
  ASSERT_TRUE(e2.continuation());
  const uint64_t len = original.end_offset() - e2.offset;
  auto again = w->reread(original.file, e2.offset, len, original.events[1].time_ms);
  ASSERT_TRUE(again) << again.error().message();
  std::vector<event::Event> tail(original.events.begin() + 2, original.events.end());
  EXPECT_EQ(again.value().events, tail);
  auto short_range = w->read_range(original.file, content.size() - 1, 5);
  ASSERT_FALSE(short_range);
  EXPECT_EQ(short_range.error(), Errc::kRangeUnavailable);
}

TEST_F(SourceWatcherTest, ResumesAfterRestartAtTheRecordedPosition) {
  Writer out(path("app.log"));
  out.write("1\n2\n3\n");
  ResumePoint rp;
  {
    auto w = make({"app.log"});
    ASSERT_TRUE(w->start());
    auto c = w->read_some(4);
    ASSERT_TRUE(c);
    rp = {c.value().file, c.value().end_offset(), 0, path("app.log")};
  }
  out.write("4\n");
  auto w = make({"app.log"});
  w->add_resume_points({rp});
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines, (Lines{"3", "4"}));
}

// copytruncate while the agent is down: the original's recorded position (its inode
// now holds new content) tells how far its copy was read.
TEST_F(SourceWatcherTest, CopytruncateWhileStoppedResumesTheCopyAtTheOriginalsPosition) {
  Writer out(path("app.log"));
  const std::string head = first_kilobyte();
  out.write(head);
  ResumePoint rp;
  {
    auto w = make({"app.log*"});
    ASSERT_TRUE(w->start());
    auto drained = drain(*w);
    ASSERT_EQ(drained.lines.size(), 40u);
    rp = {drained.chunks.back().file, drained.chunks.back().end_offset(), 0, path("app.log")};
  }
  out.write("tail-before-rotation\n");
  copytruncate("app.log.1");
  out.write("after\n");
  auto w = make({"app.log*"});
  w->add_resume_points({rp});
  ASSERT_TRUE(w->start());
  auto lines = sorted(drain(*w).lines);
  EXPECT_EQ(lines, (Lines{"after", "tail-before-rotation"}));
  // The owner is told, so it can record the copy's position before the original's is
  // overwritten by the original's new content.
  auto copies = w->take_adopted_copies();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].offset, head.size());
  EXPECT_EQ(copies[0].path, path("app.log.1"));
  EXPECT_TRUE(w->take_adopted_copies().empty());
}

// A copy being made while the agent restarts, found before its original (older mtime)
// and before the original is truncated: it waits for the truncation like any copy
// instead of resuming at the original's recorded position (which the original resumes
// at too).
TEST_F(SourceWatcherTest, CopyMadeWhileStoppedOfAnOriginalNotYetTruncatedWaits) {
  Writer out(path("app.log"));
  const std::string head = first_kilobyte();
  out.write(head);
  ResumePoint rp;
  {
    auto w = make({"app.log*"});
    ASSERT_TRUE(w->start());
    auto drained = drain(*w);
    rp = {drained.chunks.back().file, drained.chunks.back().end_offset(), 0, path("app.log")};
  }
  out.write("written-while-stopped\n");
  std::filesystem::copy_file(path("app.log"), path("app.log.1"));
  std::filesystem::last_write_time(
      path("app.log.1"), std::filesystem::last_write_time(path("app.log")) - std::chrono::hours(1));
  auto w = make({"app.log*"});
  w->add_resume_points({rp});
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines, (Lines{"written-while-stopped"}));
  ASSERT_NO_FATAL_FAILURE(truncate_then_only_new_lines_are_read(out, *w));
}

// An empty file at start may be a copy about to be filled: it is not taken for a new
// file before it has bytes to tell by.
TEST_F(SourceWatcherTest, EmptyFileAtStartIsToldByItsFirstBytes) {
  Writer out(path("app.log"));
  out.write(first_kilobyte());
  Writer copy(path("app.log.1"));  // copytruncate's copy, created as the agent starts
  auto w = make({"app.log*"});
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines.size(), 40u);
  copy.write(first_kilobyte());
  ASSERT_NO_FATAL_FAILURE(truncate_then_only_new_lines_are_read(out, *w));
}

TEST_F(SourceWatcherTest, FileRotatedAwayWhileStoppedIsReadByItsLastName) {
  Writer out(path("app.log"));
  out.write("1\n2\n");
  ResumePoint rp;
  {
    auto w = make({"app.log"});
    ASSERT_TRUE(w->start());
    auto c = w->read_some(2);
    ASSERT_TRUE(c);
    rp = {c.value().file, c.value().end_offset(), 0, path("app.log")};
  }
  std::filesystem::rename(path("app.log"), path("old.log"));
  rp.path = path("old.log");  // as if the name had been updated before the stop
  auto w = make({"app.log"});
  w->add_resume_points({rp});
  ASSERT_TRUE(w->start());
  EXPECT_EQ(drain(*w).lines, (Lines{"2"}));
}

TEST_F(SourceWatcherTest, IdentityStaysStableAsASmallFileGrows) {
  auto w = make({"app.log"});
  Writer out(path("app.log"));
  out.write("small\n");
  ASSERT_TRUE(w->start());
  auto first = drain(*w);
  const FileIdentity early = first.chunks[0].file;
  EXPECT_FALSE(fingerprint_final(early.fingerprint));
  out.write(std::string(2'000, 'g') + "\n");
  auto later = drain(*w);
  EXPECT_TRUE(fingerprint_final(later.chunks[0].file.fingerprint));
  // The provisional identity still names the grown file.
  auto bytes = w->read_range(early, 0, 6);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes.value(), "small\n");
}

TEST_F(SourceWatcherTest, InotifyWakesOnNewFiles) {
  auto w = make({"app*.log"});
  ASSERT_TRUE(w->start());
  ASSERT_GE(w->inotify_fd(), 0);
  EXPECT_FALSE(w->drain_inotify());
  Writer out(path("app.log"));
  out.write("x\n");
  pollfd p{w->inotify_fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5'000), 1);  // kernel delivery; returns at once when ready
  EXPECT_TRUE(w->drain_inotify());
  ASSERT_TRUE(w->poll());
  clock_.now += kDecideAfterMs;  // "x\n" alone could be a copy's first bytes
  ASSERT_TRUE(w->poll());
  EXPECT_EQ(drain(*w).lines, (Lines{"x"}));
}

}  // namespace
}  // namespace ferry::agent::tail
