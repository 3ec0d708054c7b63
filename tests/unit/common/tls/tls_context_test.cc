#include "common/tls/tls_context.h"

#include <gtest/gtest.h>

#include "common/tls/cert_factory.h"
#include "common/tls/errc.h"
#include "tests/support/test_pki.h"

namespace ferry::tls {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class TlsContextTest : public ::testing::Test {
 protected:
  testing::TestPki pki_{{RoleClaim::broker("dc1", "broker-1"), RoleClaim::agent("host-1")}};
};

TEST_F(TlsContextTest, MakesTls13OnlyMutualAuthContexts) {
  auto server = make_server_context(pki_.options("broker-1"));
  ASSERT_TRUE(server) << server.error().text;
  auto client = make_client_context(pki_.options("host-1"));
  ASSERT_TRUE(client) << client.error().text;

  SSL_CTX* s = server.value()->native_handle();
  SSL_CTX* c = client.value()->native_handle();
  for (SSL_CTX* ctx : {s, c}) {
    EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_3_VERSION);
    EXPECT_EQ(SSL_CTX_get_max_proto_version(ctx), TLS1_3_VERSION);
    EXPECT_NE(SSL_CTX_get0_certificate(ctx), nullptr);
  }
  EXPECT_EQ(SSL_CTX_get_verify_mode(s), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
  EXPECT_EQ(SSL_CTX_get_verify_mode(c), SSL_VERIFY_PEER);
}

TEST_F(TlsContextTest, MissingCertificateFileIsNamed) {
  TlsOptions options = pki_.options("host-1");
  options.cert_file = pki_.dir().string() + "/nope.crt";
  for (auto r : {make_server_context(options), make_client_context(options)}) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kCertificateLoad);
    EXPECT_TRUE(contains(r.error().text, options.cert_file)) << r.error().text;
    EXPECT_TRUE(contains(r.error().text, "No such file")) << r.error().text;
  }
}

TEST_F(TlsContextTest, MissingKeyFileIsNamed) {
  TlsOptions options = pki_.options("host-1");
  options.key_file = pki_.dir().string() + "/nope.key";
  auto r = make_client_context(options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kPrivateKeyLoad);
  EXPECT_TRUE(contains(r.error().text, options.key_file)) << r.error().text;
}

TEST_F(TlsContextTest, MissingCaFileIsNamed) {
  TlsOptions options = pki_.options("broker-1");
  options.ca_file = pki_.dir().string() + "/nope-ca.crt";
  auto r = make_server_context(options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kCaLoad);
  EXPECT_TRUE(contains(r.error().text, options.ca_file)) << r.error().text;
}

TEST_F(TlsContextTest, GarbageCertificateFileIsNamedWithOpenSslReason) {
  TlsOptions options = pki_.options("host-1");
  options.cert_file = pki_.dir().string() + "/garbage.crt";
  testing::write_file(options.cert_file, "this is not PEM\n");
  auto r = make_server_context(options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kCertificateLoad);
  EXPECT_TRUE(contains(r.error().text, options.cert_file)) << r.error().text;
  EXPECT_TRUE(contains(r.error().text, "no start line")) << r.error().text;
}

TEST_F(TlsContextTest, KeyOfAnotherIdentityIsAMismatchNamingBothFiles) {
  TlsOptions options = pki_.options("host-1");
  options.key_file = pki_.key_file("broker-1");
  for (auto r : {make_server_context(options), make_client_context(options)}) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kKeyMismatch);
    EXPECT_TRUE(contains(r.error().text, options.key_file)) << r.error().text;
    EXPECT_TRUE(contains(r.error().text, options.cert_file)) << r.error().text;
  }
}

TEST_F(TlsContextTest, ValueOfAFailedResultThrowsWithTheText) {
  TlsOptions options = pki_.options("host-1");
  options.ca_file.clear();
  auto r = make_client_context(options);
  ASSERT_FALSE(r);
  try {
    (void)r.value();
    FAIL() << "value() did not throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), Errc::kCaLoad);
    EXPECT_TRUE(contains(e.what(), "no CA file given")) << e.what();
  }
}

TEST_F(TlsContextTest, CrlFileThatIsNotACrlIsNamed) {
  TlsOptions options = pki_.options("broker-1");
  options.crl_file = pki_.ca_file();  // a certificate, not a CRL
  auto r = make_server_context(options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kCrlLoad);
  EXPECT_TRUE(contains(r.error().text, options.crl_file)) << r.error().text;
  EXPECT_TRUE(contains(r.error().text, "no PEM X509 CRL")) << r.error().text;
}

TEST_F(TlsContextTest, CrlOfAnotherCaIsRefusedRatherThanFailingEveryHandshake) {
  testing::TestPki other{{RoleClaim::agent("host-9")}};
  auto crl = revoke_dev_certs(other.dir(), {"host-9"});
  ASSERT_TRUE(crl) << crl.error().text;
  TlsOptions options = pki_.options("broker-1");
  options.crl_file = crl.value().string();
  for (auto r : {make_server_context(options), make_client_context(options)}) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kCrlLoad);
    EXPECT_TRUE(contains(r.error().text, "not signed by a CA of the CA file")) << r.error().text;
  }
}

TEST_F(TlsContextTest, CrlOfTheCaLoadsAndTurnsOnLeafChecking) {
  auto crl = revoke_dev_certs(pki_.dir(), {"host-1"});
  ASSERT_TRUE(crl) << crl.error().text;
  TlsOptions options = pki_.options("broker-1");
  options.crl_file = crl.value().string();
  auto r = make_server_context(options);
  ASSERT_TRUE(r) << r.error().text;
  X509_VERIFY_PARAM* param =
      X509_STORE_get0_param(SSL_CTX_get_cert_store(r.value()->native_handle()));
  EXPECT_TRUE(X509_VERIFY_PARAM_get_flags(param) & X509_V_FLAG_CRL_CHECK);
}

}  // namespace
}  // namespace ferry::tls
