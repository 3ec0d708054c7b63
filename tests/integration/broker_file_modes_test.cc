// A broker's data_dir, its RocksDB and its quarantine get [store] file_mode and dir_mode
// (0640 / 0750 by default) whatever umask it was started with. Before, under the usual
// umask 022, data_dir was 0755 and RocksDB's files 0644: any local user could read the
// stored batches (log content) of every host.

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "common/storage/quarantine.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Starts a broker under umask 022 with `store_table`, stores a batch and quarantines
// one, then checks every mode under its data_dir.
void expect_broker_modes(const std::string& store_table, mode_t file, mode_t dir) {
  const mode_t saved = ::umask(022);
  MiniClusterOptions o{.brokers = 1, .agents = 0};
  o.broker_tables = store_table;
  o.extra_identities = {tls::RoleClaim::agent("h1")};
  MiniCluster cluster(o);
  cluster.start("consumer");
  cluster.start("broker-1");
  ::umask(saved);
  ASSERT_TRUE(wait_until(
      [&] { return converse(cluster.broker_port(1), cluster.tls_options("h1"), {}).connected; },
      20s));
  wire::BatchFrame lie = one_line_batch("h1", 1);
  lie.header.flags = 0x80;  // an unknown flag: refused into the quarantine
  auto out =
      converse(cluster.broker_port(1), cluster.tls_options("h1"),
               {wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h1", "dc1"}),
                wire::encode(lie), wire::encode(one_line_batch("h1", 2))},
               wire::FrameType::kDelivered);
  ASSERT_TRUE(out.saw(wire::FrameType::kDelivered));

  const std::string data = cluster.dir().file("data/broker-1");
  EXPECT_EQ(mode_of(data), dir);
  EXPECT_EQ(mode_of(data + "/db"), dir);
  EXPECT_EQ(mode_of(data + "/quarantine"), dir);
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(data)) {
    if (e.is_directory()) {
      EXPECT_EQ(mode_of(e.path().string()) & ~dir, 0u) << e.path();
    } else if (e.is_regular_file()) {
      ++files;
      EXPECT_EQ(mode_of(e.path().string()) & ~file, 0u)
          << e.path() << " is " << std::oct << mode_of(e.path().string());
    }
  }
  EXPECT_GT(files, 5);
  EXPECT_EQ(mode_of(data + "/quarantine/h1.events.0.1.batch"), file);
  EXPECT_TRUE(cluster.running("broker-1"));
}

TEST(BrokerFileModesTest, DefaultsKeepOtherUsersOut) { expect_broker_modes("", 0640, 0750); }

TEST(BrokerFileModesTest, ConfiguredModes) {
  expect_broker_modes("[store]\nfile_mode = \"0600\"\ndir_mode = \"0700\"\n", 0600, 0700);
}

}  // namespace
}  // namespace ferry::testing
