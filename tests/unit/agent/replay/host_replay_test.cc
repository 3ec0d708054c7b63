#include "agent/replay/host_replay.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "agent/tail/file_identity.h"
#include "common/base/utc_time.h"
#include "common/storage/durable_file.h"
#include "common/wire/frame.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/batch_text.h"

namespace ferry::agent::replay {
namespace {

using ferry::testing::TempDir;
using ferry::testing::write_file;

const TimeMs kNow = SystemClock::instance().now_ms();
const TimeMs kHour = hour_start(kNow) - 2 * kMsPerHour;  // the hour replayed

std::string line(TimeMs t, const std::string& id) {
  return "<134>1 " + format_iso_ms(t) + " h1 app - - - id=" + id + "\n";
}

struct Sent {
  std::vector<std::string> batches;  // BATCH frames, in order
  std::vector<wire::ReplayProgress> progress;
};

// Rotated app.log.1 (the hour before, then the first half of the hour) and the live
// app.log (the second half, then the hour after).
struct HostReplayTest : ::testing::Test {
  HostReplayTest() {
    write_file(dir.file("logs/app.log.1"), line(kHour - 60'000, "before") +
                                               line(kHour + 1000, "r1") + line(kHour + 2000, "r2"));
    write_file(dir.file("logs/app.log"), line(kHour + 40 * 60'000, "r3") +
                                             line(kHour + kMsPerHour, "after") +
                                             line(kHour + 50 * 60'000, "r4"));
    // Rotated a minute ago: files are read oldest first, and two files written within
    // one tick of the file system's clock would tie (then the names decide).
    std::filesystem::last_write_time(
        dir.file("logs/app.log.1"),
        std::filesystem::file_time_type::clock::now() - std::chrono::minutes(1));
    SourceConfig s;
    s.category = "app";
    s.paths = {dir.file("logs/app.log*")};
    sources.push_back(s);
    // A file that held part of the hour, deleted since.
    hours.note("app", 9, 99, 0, dir.file("logs/app.log.2"), kHour + 10 * 60'000,
               kHour + 20 * 60'000);
  }

  std::unique_ptr<HostReplays> make(Sent& sent) {
    HostReplayOptions o;
    o.host = "h1";
    o.state_dir = dir.file("state");
    o.batch_max_bytes = 200;  // a few lines per batch
    return std::make_unique<HostReplays>(
        o, sources, hours, encoder, SystemClock::instance(), [&sent](std::string f) {
          auto body = std::string_view(f).substr(wire::kFrameHeaderSize);
          if (static_cast<wire::FrameType>(f[5]) == wire::FrameType::kBatch) {
            sent.batches.push_back(f);
          } else if (static_cast<wire::FrameType>(f[5]) == wire::FrameType::kReplayProgress) {
            sent.progress.push_back(wire::decode_replay_progress(body).value());
          }
        });
  }

  static void run(HostReplays& r) {
    for (int i = 0; i < 100; ++i) {
      auto next = r.pump();
      if (!next || next->count() > 0) break;
    }
  }

  static std::vector<std::string> lines_of(const std::vector<std::string>& frames) {
    std::vector<std::string> out;
    for (const auto& f : frames) {
      send::InflightBatch b;
      b.frame = f;
      auto text = testing::batch_text(b);
      EXPECT_EQ(text.header.replay_id, 7u);
      size_t start = 0;
      while (start < text.events.size()) {
        size_t nl = text.events.find('\n', start);
        out.push_back(text.events.substr(text.events.rfind("id=", nl) + 3,
                                         nl - text.events.rfind("id=", nl) - 3));
        start = nl + 1;
      }
    }
    return out;
  }

  static wire::ReplayCommitted ack_all(const std::vector<std::string>& frames) {
    wire::ReplayCommitted ack{7, {}};
    for (const auto& f : frames) {
      auto b = wire::decode_batch(std::string_view(f).substr(wire::kFrameHeaderSize)).value();
      ack.ranges.push_back(
          {b.header.host, b.header.category, b.header.seq, b.header.seq, b.header.incarnation});
    }
    return ack;
  }

  TempDir dir;
  std::vector<SourceConfig> sources;
  FileHours hours{dir.file("hours.json")};
  BatchEncoder encoder{"h1", 1, 1};
  const wire::ReplayRequest start{
      7,  wire::ReplayAction::kStart, kHour, kHour + kMsPerHour, 1u << 30, {},
      {}, wire::ReplaySource::kHosts};
};

TEST_F(HostReplayTest, ReadsTheRangeFromRotatedAndLiveFilesInItsOwnSeqSpace) {
  Sent sent;
  auto r = make(sent);
  r->on_request(start);
  run(*r);
  EXPECT_EQ(lines_of(sent.batches), (std::vector<std::string>{"r1", "r2", "r3", "r4"}));
  std::vector<uint64_t> seqs;
  for (const auto& f : sent.batches) {
    seqs.push_back(
        wire::decode_batch(std::string_view(f).substr(wire::kFrameHeaderSize)).value().header.seq);
  }
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
}

TEST_F(HostReplayTest, AStartAgainOrARestartCutsTheSameBatches) {
  Sent first;
  auto r = make(first);
  r->on_request(start);
  run(*r);
  Sent again;
  auto rewound = make(again);  // shares the state dir: as a restarted agent
  // Rotation after the snapshot, and new in-range lines the snapshot did not hold.
  ASSERT_EQ(std::rename(dir.file("logs/app.log").c_str(), dir.file("logs/app.log.0").c_str()), 0);
  write_file(dir.file("logs/app.log"), line(kHour + 55 * 60'000, "late"));
  rewound->on_request(start);
  run(*rewound);
  EXPECT_EQ(again.batches, first.batches)
      << "a restart cut other batches: the consumer could not deduplicate";

  first.batches.clear();
  r->on_request(start);  // a running replay asked again rewinds
  run(*r);
  EXPECT_EQ(again.batches, first.batches);
}

TEST_F(HostReplayTest, DoneOnceEverythingIsCommittedWithTheDeletedFileMissing) {
  Sent sent;
  auto r = make(sent);
  r->on_request(start);
  run(*r);
  r->report(true);
  ASSERT_FALSE(sent.progress.empty());
  EXPECT_EQ(sent.progress.back().state, wire::ReplayState::kRunning);
  r->on_committed(ack_all(sent.batches));
  r->report(false);
  const auto& done = sent.progress.back();
  EXPECT_EQ(done.state, wire::ReplayState::kDone);
  ASSERT_EQ(done.streams.size(), 1u);
  EXPECT_EQ(done.streams[0].events, 4u);
  ASSERT_EQ(done.missing.size(), 1u);
  EXPECT_NE(done.missing[0].reason.find("app.log.2"), std::string::npos) << done.missing[0].reason;
  EXPECT_NE(done.missing[0].reason.find("was deleted"), std::string::npos)
      << done.missing[0].reason;
  EXPECT_EQ(done.missing[0].from_ms, kHour + 10 * 60'000);

  // Restarted after it was done: it says so again, sends nothing.
  Sent after;
  auto restarted = make(after);
  restarted->on_request(start);
  run(*restarted);
  restarted->report(false);
  EXPECT_TRUE(after.batches.empty());
  ASSERT_FALSE(after.progress.empty());
  EXPECT_EQ(after.progress.back().state, wire::ReplayState::kDone);
  EXPECT_EQ(after.progress.back().streams.at(0).events, 4u);
  EXPECT_EQ(after.progress.back().missing.size(), 1u);
}

TEST_F(HostReplayTest, PacedByTheWindowUntilAcked) {
  Sent sent;
  HostReplayOptions o;
  o.host = "h1";
  o.state_dir = dir.file("state");
  o.batch_max_bytes = 100;  // one line per batch
  o.window_bytes = 1;       // one batch in flight
  HostReplays r(o, sources, hours, encoder, SystemClock::instance(), [&sent](std::string f) {
    if (f[5] == static_cast<char>(wire::FrameType::kBatch)) sent.batches.push_back(f);
  });
  r.on_request(start);
  EXPECT_FALSE(r.pump().has_value()) << "a full window waits for an ack";
  ASSERT_EQ(sent.batches.size(), 1u);
  r.on_committed(ack_all(sent.batches));
  r.pump();
  EXPECT_EQ(sent.batches.size(), 2u);
}

// logrotate with `compress`: app.log.1 is renamed app.log.2, then gzipped to app.log.2.gz
// (a new inode) and deleted.
void rotate_and_gzip(TempDir& dir) {
  ASSERT_EQ(std::rename(dir.file("logs/app.log.1").c_str(), dir.file("logs/app.log.2").c_str()), 0);
  ASSERT_EQ(std::system(("gzip '" + dir.file("logs/app.log.2") + "'").c_str()), 0);
}

std::vector<std::string> reasons(const wire::ReplayProgress& p) {
  std::vector<std::string> out;
  for (const auto& m : p.missing) out.push_back(m.reason);
  return out;
}

TEST_F(HostReplayTest, ReadsAGzippedRotatedFile) {
  ASSERT_NO_FATAL_FAILURE(rotate_and_gzip(dir));
  Sent sent;
  auto r = make(sent);
  r->on_request(start);
  run(*r);
  EXPECT_EQ(lines_of(sent.batches), (std::vector<std::string>{"r1", "r2", "r3", "r4"}));
  r->on_committed(ack_all(sent.batches));
  r->report(false);
  ASSERT_FALSE(sent.progress.empty());
  EXPECT_EQ(sent.progress.back().state, wire::ReplayState::kDone);
  EXPECT_EQ(sent.progress.back().missing.size(), 1u)
      << "only the fixture's deleted app.log.2 (inode 99)";

  // A restart decompresses the same bytes into the same batches.
  Sent again;
  std::filesystem::remove_all(dir.file("state"));
  auto restarted = make(again);
  restarted->on_request(start);
  run(*restarted);
  EXPECT_EQ(again.batches, sent.batches);
}

TEST_F(HostReplayTest, ATruncatedGzippedFileIsReportedMissingWithItsName) {
  ASSERT_NO_FATAL_FAILURE(rotate_and_gzip(dir));
  const std::string gz = dir.file("logs/app.log.2.gz");
  std::filesystem::resize_file(gz, std::filesystem::file_size(gz) - 12);  // its trailer and a bit
  Sent sent;
  auto r = make(sent);
  r->on_request(start);
  run(*r);
  r->on_committed(ack_all(sent.batches));
  r->report(false);
  ASSERT_FALSE(sent.progress.empty());
  const auto& done = sent.progress.back();
  EXPECT_EQ(done.state, wire::ReplayState::kDone);
  bool named = false;
  for (const auto& why : reasons(done)) {
    named |=
        why.find("app.log.2.gz") != std::string::npos && why.find("truncated") != std::string::npos;
  }
  EXPECT_TRUE(named) << ::testing::PrintToString(reasons(done));
  // The live file is read all the same.
  auto lines = lines_of(sent.batches);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "r4"), lines.end());
}

TEST_F(HostReplayTest, TheIndexFollowsAFileIntoItsCompressedCopy) {
  // The live batches of app.log.1 were noted with its identity; then it was compressed.
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("logs/app.log.1").c_str(), &st), 0);
  auto content = storage::read_whole_file(dir.file("logs/app.log.1")).value();
  hours.note("app", st.st_dev, st.st_ino,
             tail::make_fingerprint(content.substr(0, tail::kFingerprintBytes)),
             dir.file("logs/app.log.1"), kHour - 60'000, kHour + 2000);
  // And a file whose content is nowhere any more.
  hours.note("app", 9, 98, tail::make_fingerprint(std::string(200, 'x')), dir.file("logs/gone.log"),
             kHour, kHour + 1000);
  ASSERT_NO_FATAL_FAILURE(rotate_and_gzip(dir));
  Sent sent;
  auto r = make(sent);
  r->on_request(start);
  run(*r);
  r->on_committed(ack_all(sent.batches));
  r->report(false);
  ASSERT_FALSE(sent.progress.empty());
  auto why = reasons(sent.progress.back());
  ASSERT_EQ(why.size(), 2u) << ::testing::PrintToString(why);
  for (const auto& w : why) {
    EXPECT_EQ(w.find("app.log.1"), std::string::npos)
        << "its compressed copy was reported deleted: " << w;
  }
  EXPECT_EQ(lines_of(sent.batches), (std::vector<std::string>{"r1", "r2", "r3", "r4"}));
}

TEST_F(HostReplayTest, AFileBeingCompressedIsReadOnceFromItsOriginal) {
  // gzip has written app.log.1.gz and not yet deleted app.log.1.
  ASSERT_EQ(std::system(("gzip -k '" + dir.file("logs/app.log.1") + "'").c_str()), 0);
  Sent sent;
  auto r = make(sent);
  r->on_request(start);
  run(*r);
  EXPECT_EQ(lines_of(sent.batches), (std::vector<std::string>{"r1", "r2", "r3", "r4"}));
}

TEST(FileHoursTest, CoveredByCopyMatchesTheFirstBytesOnly) {
  const std::string head = std::string(100, 'a') + "rest";
  FileHoursEntry e;
  e.fingerprint = tail::make_fingerprint(std::string_view(head).substr(0, 80));
  EXPECT_TRUE(FileHours::covered_by_copy(e, head));
  EXPECT_FALSE(FileHours::covered_by_copy(e, std::string(100, 'b')));
  EXPECT_FALSE(FileHours::covered_by_copy(e, head.substr(0, 60)))
      << "a copy shorter than what was seen";
  e.fingerprint = tail::make_fingerprint(head.substr(0, 10));
  EXPECT_FALSE(FileHours::covered_by_copy(e, head)) << "ten bytes say nothing";
  e.fingerprint = 0;
  EXPECT_FALSE(FileHours::covered_by_copy(e, head)) << "an entry from before fingerprints";
}

TEST(FileHoursTest, KeepsTheLongestFingerprintAcrossRestarts) {
  TempDir dir;
  const uint64_t short_fp = tail::make_fingerprint(std::string(100, 'a'));
  const uint64_t long_fp = tail::make_fingerprint(std::string(1024, 'a'));
  {
    FileHours h(dir.file("hours.json"));
    h.note("app", 1, 10, long_fp, "/var/log/app.log", 1000, 2000);
    h.note("app", 1, 10, short_fp, "/var/log/app.log", 1000, 3000);
    h.save(3000);
  }
  FileHours h(dir.file("hours.json"));
  h.load();
  auto files = h.overlapping("app", 0, 5000);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].fingerprint, long_fp);
}

TEST(FileHoursTest, SurvivesARestartAndForgetsOldFiles) {
  TempDir dir;
  const TimeMs now = 100 * kMsPerHour * 24;
  {
    FileHours h(dir.file("hours.json"));
    h.note("app", 1, 10, 0, "/var/log/app.log", now - kMsPerHour, now - 1000);
    h.note("app", 1, 10, 0, "/var/log/app.log.1", now - 2 * kMsPerHour,
           now - 3000);  // renamed, older line
    h.note("app", 1, 11, 0, "/var/log/old.log", now - FileHours::kKeep - 2,
           now - FileHours::kKeep - 1);
    h.save(now);
  }
  FileHours h(dir.file("hours.json"));
  h.load();
  auto files = h.overlapping("app", 0, now);
  ASSERT_EQ(files.size(), 1u) << "a file older than kKeep was kept";
  EXPECT_EQ(files[0].path, "/var/log/app.log.1");
  EXPECT_EQ(files[0].min_time_ms, now - 2 * kMsPerHour);
  EXPECT_EQ(files[0].max_time_ms, now - 1000);
  EXPECT_TRUE(h.overlapping("app", now, now + 1).empty());
  EXPECT_TRUE(h.overlapping("other", 0, now).empty());
}

}  // namespace
}  // namespace ferry::agent::replay
