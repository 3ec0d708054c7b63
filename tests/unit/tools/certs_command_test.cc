// ferryctl certs, driven through CLI11 as main.cc drives it.

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include "tests/support/temp_dir.h"
#include "tools/ferryctl/commands.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;

TEST(CertsCommandTest, WritesCaAndOneCertPerIdentity) {
  testing::TempDir dir;
  CLI::App app{"test", "ferryctl"};
  add_certs_command(app);
  const std::string out = dir.file("pki");
  app.parse("certs --out " + out +
                " --hosts h1,h2 --brokers dc1/b1,b2 --dc dc2 --consumers c1 --admin ops",
            false);
  for (const std::string name : {"h1", "h2", "b1", "b2", "c1", "ops"}) {
    EXPECT_TRUE(fs::exists(out + "/" + name + ".crt")) << name;
    EXPECT_TRUE(fs::exists(out + "/" + name + ".key")) << name;
  }
  EXPECT_TRUE(fs::exists(out + "/ca.crt"));
  EXPECT_TRUE(fs::exists(out + "/ca/ca.key"));
  EXPECT_FALSE(fs::exists(out + "/ca.key"));
}

TEST(CertsCommandTest, CaDirKeepsTheCaKeyWhereItIsGiven) {
  testing::TempDir dir;
  const std::string out = dir.file("pki"), ca = dir.file("offline");
  {
    CLI::App app{"test", "ferryctl"};
    add_certs_command(app);
    app.parse("certs --out " + out + " --ca-dir " + ca + " --hosts h1,h2", false);
  }
  EXPECT_TRUE(fs::exists(ca + "/ca.key"));
  EXPECT_FALSE(fs::exists(out + "/ca"));
  CLI::App app{"test", "ferryctl"};
  add_certs_command(app);
  app.parse("certs --out " + out + " --ca-dir " + ca + " --revoke h1", false);
  EXPECT_TRUE(fs::exists(out + "/ca.crl"));
}

TEST(CertsCommandTest, RevokeWritesTheCaCrl) {
  testing::TempDir dir;
  const std::string out = dir.file("pki");
  {
    CLI::App app{"test", "ferryctl"};
    add_certs_command(app);
    app.parse("certs --out " + out + " --hosts h1,h2", false);
  }
  CLI::App app{"test", "ferryctl"};
  add_certs_command(app);
  app.parse("certs --out " + out + " --revoke h1", false);
  EXPECT_TRUE(fs::exists(out + "/ca.crl"));
}

TEST(CertsCommandTest, BrokersNeedTheirDc) {
  testing::TempDir dir;
  CLI::App app{"test", "ferryctl"};
  add_certs_command(app);
  try {
    app.parse("certs --out " + dir.file("pki") + " --brokers b1", false);
    FAIL() << "made a broker certificate without a DC";
  } catch (const CLI::RuntimeError& e) {
    EXPECT_NE(app.exit(e), 0);
  }
  EXPECT_FALSE(fs::exists(dir.file("pki/b1.crt")));
}

TEST(CertsCommandTest, RefusesInvalidNameNamingIt) {
  testing::TempDir dir;
  CLI::App app{"test", "ferryctl"};
  add_certs_command(app);
  try {
    app.parse("certs --out " + dir.file("pki") + " --hosts h1,bad/name", false);
    FAIL() << "accepted bad/name";
  } catch (const CLI::ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("bad/name"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.file("pki")));
}

TEST(CertsCommandTest, OutIsRequired) {
  CLI::App app{"test", "ferryctl"};
  add_certs_command(app);
  EXPECT_THROW(app.parse("certs --hosts h1", false), CLI::RequiredError);
}

TEST(CertsCommandTest, FailureExitsNonZero) {
  testing::TempDir dir;
  testing::write_file(dir.file("ca.crt"), "half a CA");
  CLI::App app{"test", "ferryctl"};
  add_certs_command(app);
  try {
    app.parse("certs --out " + dir.path().string() + " --hosts h1", false);
    FAIL() << "made certs beside half a CA";
  } catch (const CLI::RuntimeError& e) {
    EXPECT_EQ(app.exit(e), 1);
  }
}

}  // namespace
}  // namespace ferry::ferryctl
