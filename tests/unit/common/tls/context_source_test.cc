#include "common/tls/context_source.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "common/tls/cert_factory.h"
#include "common/tls/errc.h"
#include "tests/support/test_pki.h"

namespace ferry::tls {
namespace {

class ContextSourceTest : public ::testing::Test {
 protected:
  testing::TestPki pki_{{RoleClaim::broker("dc1", "broker-1")}};
};

TEST_F(ContextSourceTest, ReloadMakesANewContextCurrentAndLeavesTheOldOneToItsHolders) {
  auto source = ContextSource::load(ContextSource::Side::kServer, pki_.options("broker-1"));
  ASSERT_TRUE(source) << source.error().text;
  auto before = source.value()->current();
  ASSERT_TRUE(source.value()->reload());
  auto after = source.value()->current();
  EXPECT_NE(before, after);
  EXPECT_NE(before->native_handle(), nullptr);  // still usable by whoever holds it
}

TEST_F(ContextSourceTest, FailedReloadKeepsTheCurrentContextAndSaysWhy) {
  TlsOptions options = pki_.options("broker-1");
  options.crl_file = (pki_.dir() / "ca.crl").string();
  ASSERT_TRUE(revoke_dev_certs(pki_.dir(), {}));
  auto source = ContextSource::load(ContextSource::Side::kClient, options);
  ASSERT_TRUE(source) << source.error().text;
  auto before = source.value()->current();

  testing::write_file(options.crl_file, "garbage\n");
  auto reloaded = source.value()->reload();
  ASSERT_FALSE(reloaded);
  EXPECT_EQ(reloaded.error().code, Errc::kCrlLoad);
  EXPECT_NE(reloaded.error().text.find(options.crl_file), std::string::npos)
      << reloaded.error().text;
  EXPECT_EQ(source.value()->current(), before);
}

}  // namespace
}  // namespace ferry::tls
