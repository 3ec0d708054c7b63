#include "agent/replay/replay_job_record.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace ferry::agent::replay {
namespace {

using ferry::testing::TempDir;
using ferry::testing::write_file;
using Job = HostReplays::Job;

struct ReplayJobRecordTest : ::testing::Test {
  ReplayJobRecordTest() { source.category = "app"; }

  // A job as load_or_create starts one: its request and where its record lives.
  void start(Job& job, uint64_t replay_id) {
    job.request = {replay_id, wire::ReplayAction::kStart, 1000, 5000, 0, {},
                   {},        wire::ReplaySource::kHosts};
    job.snapshot_path = dir.file("replays.json");
  }

  std::unique_ptr<Job::Scan> scan_of(std::vector<FileRef> files) {
    auto s = std::make_unique<Job::Scan>();
    s->source = &source;
    s->files = std::move(files);
    return s;
  }

  TempDir dir;
  SourceConfig source;
  const std::vector<FileRef> files{{"/var/log/app.log.2.gz", 1, 12, 300, true},
                                   {"/var/log/app.log", 1, 10, 900, false}};
};

TEST_F(ReplayJobRecordTest, ReadsBackWhatWasPersisted) {
  Job job;
  start(job, 7);
  job.scans.push_back(scan_of(files));
  job.committed["app"] = {{1, 5}, {2, 7}};
  job.gaps = {{"h1", "app", 1000, 1500, "file /var/log/app.log.3 on host h1 ... was deleted"}};
  job.missing = job.gaps;
  job.missing.push_back({"h1", "app", 1000, 5000, "reading /var/log/app.log failed: I/O error"});
  job.state = wire::ReplayState::kDone;
  persist(job);

  Job loaded;
  start(loaded, 7);
  auto stored = load_record(loaded, "h1");
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->at("app"), files) << "in the snapshot's order";
  EXPECT_EQ(loaded.state, wire::ReplayState::kDone);
  EXPECT_EQ(loaded.restored["app"], (std::pair<uint64_t, uint64_t>{2, 12}))
      << "batches and events committed";
  EXPECT_EQ(loaded.gaps, job.gaps);
  EXPECT_EQ(loaded.missing, job.missing);
}

TEST_F(ReplayJobRecordTest, ARunningJobReadsBackRunning) {
  Job job;
  start(job, 7);
  job.scans.push_back(scan_of({}));
  persist(job);
  Job loaded;
  start(loaded, 7);
  ASSERT_TRUE(load_record(loaded, "h1").has_value());
  EXPECT_EQ(loaded.state, wire::ReplayState::kRunning);
  EXPECT_TRUE(loaded.restored.empty());
}

TEST_F(ReplayJobRecordTest, NoRecordAnotherReplaysOrAnUnreadableOneIsNone) {
  Job job;
  start(job, 7);
  EXPECT_FALSE(load_record(job, "h1").has_value()) << "no record yet";

  job.scans.push_back(scan_of(files));
  persist(job);
  Job other;
  start(other, 8);
  EXPECT_FALSE(load_record(other, "h1").has_value()) << "replay 7's record read as replay 8's";

  Job loaded;
  start(loaded, 7);
  write_file(job.snapshot_path, "{\"replay_id\": 7, \"sour");
  EXPECT_FALSE(load_record(loaded, "h1").has_value()) << "cut short";
  write_file(job.snapshot_path,
             R"({"replay_id": 7, "state": "running", "counts": {}, "gaps": [], "missing": []})");
  EXPECT_FALSE(load_record(loaded, "h1").has_value()) << "without its sources";
  write_file(
      job.snapshot_path,
      R"({"replay_id": 7, "sources": [{"category": "app", "files": [{"path": "/a", "dev": "x"}]}],)"
      R"( "counts": {}, "gaps": [], "missing": []})");
  EXPECT_FALSE(load_record(loaded, "h1").has_value()) << "a file without its inode";
}

TEST_F(ReplayJobRecordTest, AnUnreadableRecordLeavesTheJobAsItWas) {
  // The job then takes a new snapshot: nothing of the broken record may stick to it (a
  // "done" over fresh files would never run; gaps read twice would be reported twice).
  Job loaded;
  start(loaded, 7);
  write_file(loaded.snapshot_path,
             R"({"replay_id": 7, "state": "done", "counts": {"app": {"batches": 2, "events": 9}},)"
             R"( "gaps": [{"category": "app", "from_ms": 1, "to_ms": 2, "reason": "gone"}],)"
             R"( "missing": [{"category": "app"}], "sources": []})");
  EXPECT_FALSE(load_record(loaded, "h1").has_value()) << "a missing entry without its range";
  EXPECT_EQ(loaded.state, wire::ReplayState::kRunning);
  EXPECT_TRUE(loaded.restored.empty());
  EXPECT_TRUE(loaded.gaps.empty());
  EXPECT_TRUE(loaded.missing.empty());
}

TEST_F(ReplayJobRecordTest, RewindStartsTheScanOverWithSeqsFromOne) {
  auto s = scan_of(files);
  rewind(*s, 1024, 4096);
  s->index = 1;
  s->offset = 300;
  s->next_seq = 9;
  s->contiguous_end = 300;
  s->finished = true;
  s->lost.push_back({"h1", "app", 1000, 5000, "gone"});
  s->pending = "half a line";
  rewind(*s, 1024, 4096);
  EXPECT_EQ(s->index, 0u);
  EXPECT_EQ(s->offset, 0u);
  EXPECT_EQ(s->next_seq, 1u);
  EXPECT_EQ(s->contiguous_end, 0u);
  EXPECT_FALSE(s->finished);
  EXPECT_TRUE(s->lost.empty());
  EXPECT_TRUE(s->pending.empty());
  EXPECT_EQ(s->fd, -1);
  ASSERT_NE(s->builder, nullptr);
  EXPECT_TRUE(s->builder->empty());
  EXPECT_EQ(s->files, files) << "the snapshot stays";
}

}  // namespace
}  // namespace ferry::agent::replay
