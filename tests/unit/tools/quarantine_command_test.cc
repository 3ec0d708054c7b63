// ferryctl quarantine list, driven through CLI11 as main.cc drives it.

#include <iostream>
#include <sstream>

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include "common/storage/quarantine.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/temp_dir.h"
#include "tools/ferryctl/commands.h"

namespace ferry::ferryctl {
namespace {

// Runs `args` and returns what it printed on stdout.
std::string run(const std::string& args) {
  CLI::App app{"test", "ferryctl"};
  add_quarantine_command(app);
  std::ostringstream out;
  std::streambuf* saved = std::cout.rdbuf(out.rdbuf());
  try {
    app.parse(args, false);
  } catch (...) {
    std::cout.rdbuf(saved);
    throw;
  }
  std::cout.rdbuf(saved);
  return out.str();
}

TEST(QuarantineCommandTest, ListsNameBytesAndEscapedReason) {
  testing::TempDir dir;
  auto q = storage::Quarantine::open(dir.file("data/quarantine"));
  ASSERT_TRUE(q);
  ASSERT_TRUE(q.value()->put(testing::one_line_batch("h1", 3), "b1: bad crc"));
  ASSERT_TRUE(q.value()->put(testing::one_line_batch("h2", 7), "b1: forged\x1b[31m"));

  const std::string out = run("quarantine list --dir " + dir.file("data"));
  EXPECT_NE(out.find("h1.events.0.3\t"), std::string::npos) << out;
  EXPECT_NE(out.find("\tb1: bad crc\n"), std::string::npos) << out;
  EXPECT_NE(out.find("h2.events.0.7\t"), std::string::npos) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << "a control character reached the terminal";
  EXPECT_NE(out.find("2 quarantined batches in " + dir.file("data/quarantine")), std::string::npos)
      << out;
}

TEST(QuarantineCommandTest, MissingDirectoryFails) {
  testing::TempDir dir;
  EXPECT_THROW(run("quarantine list --dir " + dir.file("nope")), CLI::RuntimeError);
}

}  // namespace
}  // namespace ferry::ferryctl
