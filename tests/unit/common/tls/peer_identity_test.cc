#include "common/tls/peer_identity.h"

#include <memory>

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "common/tls/errc.h"
#include "tests/support/test_pki.h"

namespace ferry::tls {
namespace {

TEST(PeerIdentityTest, ReadsCommonNameAndDnsSansFromACertificate) {
  testing::TestPki pki({RoleClaim::agent("agent-7.dc1")});
  FILE* f = std::fopen(pki.cert_file("agent-7.dc1").c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f, nullptr, nullptr, nullptr),
                                              X509_free);
  std::fclose(f);
  ASSERT_TRUE(cert);

  auto id = certificate_identity(cert.get());
  ASSERT_TRUE(id);
  EXPECT_EQ(id.value().common_name, "agent-7.dc1");
  EXPECT_EQ(id.value().dns_sans, (std::vector<std::string>{"agent-7.dc1", "localhost"}));
  EXPECT_EQ(id.value().roles, std::vector<RoleClaim>{RoleClaim::agent("agent-7.dc1")});
}

TEST(PeerIdentityTest, HoldsOnlyTheExactRoleDcAndName) {
  PeerIdentity id{"b1", {"b1", "localhost"}, {RoleClaim::broker("dc1", "b1")}};
  EXPECT_TRUE(id.holds(RoleClaim::broker("dc1", "b1")));
  EXPECT_FALSE(id.holds(RoleClaim::broker("dc2", "b1")));             // another DC
  EXPECT_FALSE(id.holds(RoleClaim{NodeRole::kBroker, "dc1", "B1"}));  // not canonical
  EXPECT_FALSE(id.holds(RoleClaim::agent("b1")));                     // another role
  EXPECT_FALSE(id.holds(RoleClaim::consumer("b1")));
  const PeerIdentity names_only{"h1", {"h1"}, {}};
  EXPECT_FALSE(names_only.holds(RoleClaim::agent("h1")));  // CN and DNS names grant nothing
  EXPECT_EQ(id.describe_roles(), "ferry://broker/dc1/b1");
  EXPECT_EQ(PeerIdentity{}.describe_roles(), "no ferry:// role");
}

TEST(PeerIdentityTest, NoCertificateBeforeAHandshake) {
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_method()), SSL_CTX_free);
  std::unique_ptr<SSL, void (*)(SSL*)> ssl(SSL_new(ctx.get()), SSL_free);
  auto id = peer_identity(ssl.get());
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(), Errc::kNoPeerCertificate);
  EXPECT_EQ(certificate_identity(nullptr).error(), Errc::kNoPeerCertificate);
}

}  // namespace
}  // namespace ferry::tls
