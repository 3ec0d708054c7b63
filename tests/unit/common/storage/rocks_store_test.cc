#include "common/storage/rocks_store.h"

#include <gtest/gtest.h>

#include "common/storage/key_codec.h"
#include "tests/support/temp_dir.h"

namespace ferry::storage {
namespace {

TEST(RocksStoreTest, WritesAtomicallyAndScansInKeyOrder) {
  testing::TempDir dir;
  std::string why;
  auto store = RocksStore::open({.path = dir.file("db"), .column_families = {"batches"}}, why);
  ASSERT_TRUE(store) << why;
  auto& db = *store.value();
  int cf = db.cf("batches");
  ASSERT_EQ(cf, 1);
  auto b = db.new_batch();
  for (uint64_t seq : {10, 2, 300})
    b.put(cf, stream_seq_key("h1", "c", 7, seq), std::to_string(seq));
  b.put(cf, stream_seq_key("h1", "cc", 7, 1), "other stream");
  b.put(cf, stream_seq_key("h1", "c", 8, 1), "another incarnation");
  ASSERT_TRUE(db.write(b, true));
  std::vector<std::string> seen;
  ASSERT_TRUE(db.scan(cf, stream_prefix("h1", "c", 7), [&](std::string_view, std::string_view v) {
    seen.emplace_back(v);
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"2", "10", "300"}));
  auto missing = db.get(cf, stream_seq_key("h1", "c", 7, 3));
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing.value().has_value());
}

TEST(RocksStoreTest, ReopenKeepsSyncedWrites) {
  testing::TempDir dir;
  std::string why;
  {
    auto store = RocksStore::open({.path = dir.file("db"), .column_families = {"a"}}, why);
    ASSERT_TRUE(store);
    auto b = store.value()->new_batch();
    b.put(1, "k", "v");
    ASSERT_TRUE(store.value()->write(b, true));
  }
  auto store = RocksStore::open({.path = dir.file("db"), .column_families = {"a"}}, why);
  ASSERT_TRUE(store) << why;
  EXPECT_EQ(store.value()->get(1, "k").value().value(), "v");
}

TEST(RocksStoreTest, SecondOpenOfALockedDatabaseFailsWithAReason) {
  testing::TempDir dir;
  std::string why;
  auto first = RocksStore::open({.path = dir.file("db")}, why);
  ASSERT_TRUE(first);
  auto second = RocksStore::open({.path = dir.file("db")}, why);
  ASSERT_FALSE(second);
  EXPECT_NE(why.find("lock"), std::string::npos) << why;
}

TEST(RocksStoreTest, CorruptCurrentFileIsReportedNotRepaired) {
  testing::TempDir dir;
  std::string why;
  { ASSERT_TRUE(RocksStore::open({.path = dir.file("db")}, why)); }
  testing::write_file(dir.file("db/CURRENT"), "garbage\n");
  auto store = RocksStore::open({.path = dir.file("db")}, why);
  ASSERT_FALSE(store);
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(testing::read_file(dir.file("db/CURRENT")), "garbage\n");  // left for the operator
}

}  // namespace
}  // namespace ferry::storage
