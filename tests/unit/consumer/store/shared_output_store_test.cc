// Two consumers' stores over one output (a coordinated consumer tier): the second learns
// from commit manifests what the first committed, and fencing the first makes its
// commits in progress fail instead of landing.

#include <gtest/gtest.h>

#include "consumer/store/bucket_store.h"
#include "tests/unit/consumer/store/store_harness.h"

namespace ferry::consumer::store::test {
namespace {

const TimeMs kT = kHour0 + 13 * 60'000;

struct Pair {
  Harness a, b;
  Pair() {
    a.options.consumer_id = "c1";
    a.options.fence_tag = "c1-100";
    b.options.consumer_id = "c2";
    b.options.fence_tag = "c2-200";
    b.shared_root = a.root();
    a.open();
    b.open();
  }
};

size_t part_files_of(const std::string& root, const std::string& consumer) {
  size_t n = 0;
  for (const auto& [path, content] : all_files(root)) {
    if (path.find("/part-" + consumer + "-") != std::string::npos && path.rfind("_ferry/", 0) != 0)
      ++n;
  }
  return n;
}

TEST(SharedOutputStoreTest, ANewOwnerAcksWhatTheOldOneCommittedInsteadOfWritingItAgain) {
  Pair p;
  for (uint64_t seq = 1; seq <= 3; ++seq)
    ASSERT_TRUE(p.a.store->add(make_batch("h1", "cat", seq, kT)));
  ASSERT_TRUE(p.a.store->commit_all());
  EXPECT_EQ(p.b.store->add(make_batch("h1", "cat", 2, kT)).value(), AddOutcome::kAccepted)
      << "before reading the manifests, b cannot know";
  Harness& b = p.b;
  b.close();
  b.open();  // forgets the open file (its record is discarded on recovery)
  auto learnt = b.store->seed_from_shared_commits();
  ASSERT_TRUE(learnt) << learnt.error().message();
  EXPECT_EQ(learnt.value(), 3u);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    EXPECT_EQ(b.store->add(make_batch("h1", "cat", seq, kT)).value(), AddOutcome::kAlreadyCommitted)
        << seq;
  }
  EXPECT_EQ(b.store->add(make_batch("h1", "cat", 4, kT)).value(), AddOutcome::kAccepted);
  ASSERT_TRUE(b.store->commit_all());
  EXPECT_EQ(b.store->seed_from_shared_commits().value(), 0u)
      << "manifests are read once; its own are skipped";
  auto lines = output_lines(p.a.root());
  for (const auto& [line, n] : lines) EXPECT_EQ(n, 1) << line;
}

TEST(SharedOutputStoreTest, AFencedOwnerCannotCompleteACommit) {
  Pair p;
  for (uint64_t seq = 1; seq <= 3; ++seq)
    ASSERT_TRUE(p.a.store->add(make_batch("h1", "cat", seq, kT)));
  auto fenced = p.b.store->fence("c1-100");
  ASSERT_TRUE(fenced) << fenced.error().message();
  EXPECT_TRUE(fenced.value());
  EXPECT_FALSE(p.b.store->fence("c1-100").value()) << "fenced once";
  EXPECT_FALSE(p.b.store->fence("c2-200").value()) << "never itself";

  EXPECT_FALSE(p.a.store->commit_all()) << "the rename finds no temp file";
  EXPECT_FALSE(p.a.store->add(make_batch("h1", "cat", 9, kT))) << "the store is poisoned";
  EXPECT_EQ(part_files_of(p.a.root(), "c1"), 0u);

  EXPECT_EQ(p.b.store->seed_from_shared_commits().value(), 0u)
      << "a manifest whose file never landed teaches nothing";
  EXPECT_EQ(p.b.store->add(make_batch("h1", "cat", 1, kT)).value(), AddOutcome::kAccepted);

  // The fenced instance restarting (same data dir, a new tag) drops its prepared record.
  p.a.close();
  p.a.options.fence_tag = "c1-101";
  p.a.open();
  EXPECT_EQ(p.a.store->recovery().lost_prepared + p.a.store->recovery().discarded_open, 1u);
  EXPECT_EQ(part_files_of(p.a.root(), "c1"), 0u);
  // A new file of a fenced instance cannot even be created.
  Harness& a = p.a;
  a.close();
  a.options.fence_tag = "c1-102";
  a.open();
  ASSERT_TRUE(p.b.store->fence("c1-102").value());
  EXPECT_FALSE(a.store->add(make_batch("h1", "cat", 5, kT)));
}

}  // namespace
}  // namespace ferry::consumer::store::test
