#include "common/tls/cert_factory.h"

#include <sys/stat.h>

#include <ctime>
#include <memory>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/tls/errc.h"
#include "common/tls/peer_identity.h"
#include "tests/support/temp_dir.h"

namespace ferry::tls {
namespace {

namespace fs = std::filesystem;

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr read_cert(const fs::path& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509Ptr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

// Verifies `leaf` against `ca` for TLS client and server use.
bool chains_to(X509* leaf, X509* ca) {
  std::unique_ptr<X509_STORE, X509Free> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  bool ok = true;
  for (int purpose : {X509_PURPOSE_SSL_CLIENT, X509_PURPOSE_SSL_SERVER}) {
    std::unique_ptr<X509_STORE_CTX, X509Free> ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
    X509_STORE_CTX_set_purpose(ctx.get(), purpose);
    ok = ok && X509_verify_cert(ctx.get()) == 1;
  }
  return ok;
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// Days from now until the certificate's notAfter.
int days_left(X509* cert) {
  int days = 0, seconds = 0;
  EXPECT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)), 1);
  return days;
}

TEST(CertFactoryTest, WritesCaAndLeavesThatChainAndKeysPrivate) {
  testing::TempDir dir;
  auto pki = make_dev_pki(dir.path() / "pki",
                          {RoleClaim::broker("dc1", "broker-1"), RoleClaim::agent("host.example")});
  ASSERT_TRUE(pki) << pki.error().text;
  EXPECT_FALSE(pki.value().ca_reused);
  EXPECT_EQ(pki.value().written.size(), 6u);

  const fs::path out = dir.path() / "pki";
  X509Ptr ca = read_cert(out / "ca.crt");
  ASSERT_TRUE(ca);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_NE(X509_get_key_usage(ca.get()) & KU_KEY_CERT_SIGN, 0u);
  EXPECT_GE(days_left(ca.get()), 3649);

  for (const std::string name : {"broker-1", "host.example"}) {
    X509Ptr leaf = read_cert(out / (name + ".crt"));
    ASSERT_TRUE(leaf) << name;
    EXPECT_TRUE(chains_to(leaf.get(), ca.get())) << name;
    EXPECT_EQ(X509_check_ca(leaf.get()), 0);
    EXPECT_EQ(X509_check_host(leaf.get(), name.c_str(), 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_host(leaf.get(), "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_get_extended_key_usage(leaf.get()) & (XKU_SSL_SERVER | XKU_SSL_CLIENT),
              static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
    EXPECT_NEAR(days_left(leaf.get()), 825, 1);
    EXPECT_EQ(mode_of(out / (name + ".key")), 0600u);
  }
  EXPECT_EQ(mode_of(out / "ca" / "ca.key"), 0600u);
  EXPECT_EQ(mode_of(out / "ca"), 0700u);
  EXPECT_FALSE(fs::exists(out / "ca.key"))
      << "copying the out dir's files to hosts would copy the CA key";
  EXPECT_FALSE(fs::exists(out / "ca.crt.tmp"));
}

// Before, ca.key sat beside the leaves in the out dir. A CA made so is still used: its
// key moves to the CA directory, once, and revoking works from either place.
TEST(CertFactoryTest, ACaKeyInTheOutDirMovesToTheCaDir) {
  testing::TempDir dir;
  ASSERT_TRUE(make_dev_pki(dir.path(), {RoleClaim::agent("h1")}));
  fs::rename(dir.path() / "ca" / "ca.key", dir.path() / "ca.key");
  fs::remove(dir.path() / "ca");
  ASSERT_TRUE(revoke_dev_certs(dir.path(), {"h1"}));

  auto again = make_dev_pki(dir.path(), {RoleClaim::agent("h2")});
  ASSERT_TRUE(again) << again.error().text;
  EXPECT_TRUE(again.value().ca_reused);
  EXPECT_EQ(again.value().moved_ca_key, dir.path() / "ca.key");
  EXPECT_FALSE(fs::exists(dir.path() / "ca.key"));
  EXPECT_EQ(mode_of(dir.path() / "ca" / "ca.key"), 0600u);
  EXPECT_TRUE(
      chains_to(read_cert(dir.path() / "h2.crt").get(), read_cert(dir.path() / "ca.crt").get()));
  ASSERT_TRUE(revoke_dev_certs(dir.path(), {"h2"}));

  // Two keys: which one signed ca.crt is for the operator to say.
  testing::write_file(dir.file("ca.key"), testing::read_file(dir.file("ca/ca.key")));
  auto both = make_dev_pki(dir.path(), {RoleClaim::agent("h3")});
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().text.find("both"), std::string::npos) << both.error().text;
  EXPECT_FALSE(fs::exists(dir.path() / "h3.crt"));
}

TEST(CertFactoryTest, TheCaKeyCanLiveElsewhere) {
  testing::TempDir dir;
  DevPkiOptions options;
  options.ca_dir = dir.path() / "offline";
  ASSERT_TRUE(make_dev_pki(dir.path() / "out", {RoleClaim::agent("h1")}, options));
  EXPECT_EQ(mode_of(dir.path() / "offline" / "ca.key"), 0600u);
  EXPECT_FALSE(fs::exists(dir.path() / "out" / "ca"));
  EXPECT_FALSE(fs::exists(dir.path() / "out" / "ca.key"));
  ASSERT_TRUE(revoke_dev_certs(dir.path() / "out", {"h1"}, options));
  EXPECT_FALSE(revoke_dev_certs(dir.path() / "out", {"h1"})) << "no CA key at the default place";
}

TEST(CertFactoryTest, ReusesExistingCaSoHostsCanBeAddedLater) {
  testing::TempDir dir;
  ASSERT_TRUE(make_dev_pki(dir.path(), {RoleClaim::agent("h1")}));
  const std::string ca_before = testing::read_file(dir.file("ca.crt"));

  auto again = make_dev_pki(dir.path(), {RoleClaim::agent("h2")});
  ASSERT_TRUE(again) << again.error().text;
  EXPECT_TRUE(again.value().ca_reused);
  EXPECT_EQ(again.value().written,
            (std::vector<fs::path>{dir.path() / "h2.key", dir.path() / "h2.crt"}));
  EXPECT_EQ(testing::read_file(dir.file("ca.crt")), ca_before);

  X509Ptr ca = read_cert(dir.path() / "ca.crt");
  X509Ptr h1 = read_cert(dir.path() / "h1.crt");
  X509Ptr h2 = read_cert(dir.path() / "h2.crt");
  EXPECT_TRUE(chains_to(h1.get(), ca.get()));
  EXPECT_TRUE(chains_to(h2.get(), ca.get()));
}

TEST(CertFactoryTest, RefusesToReplaceHalfACa) {
  testing::TempDir dir;
  ASSERT_TRUE(make_dev_pki(dir.path(), {}));
  fs::remove(dir.path() / "ca" / "ca.key");
  auto r = make_dev_pki(dir.path(), {RoleClaim::agent("h1")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kCaLoad);
  EXPECT_NE(r.error().text.find(dir.file("ca/ca.key")), std::string::npos) << r.error().text;
  EXPECT_FALSE(fs::exists(dir.path() / "ca" / "ca.key"));
  EXPECT_FALSE(fs::exists(dir.path() / "h1.crt"));
}

TEST(CertFactoryTest, ValidityIsConfigurable) {
  testing::TempDir dir;
  DevPkiOptions options;
  options.ca_days = 30;
  options.leaf_days = 2;
  ASSERT_TRUE(make_dev_pki(dir.path(), {RoleClaim::agent("h1")}, options));
  EXPECT_NEAR(days_left(read_cert(dir.path() / "ca.crt").get()), 30, 1);
  EXPECT_NEAR(days_left(read_cert(dir.path() / "h1.crt").get()), 2, 1);
}

TEST(CertFactoryTest, RefusesInvalidNamesBeforeWritingAnything) {
  testing::TempDir dir;
  const std::vector<std::string> bad_names = {
      "",          "a/b", "../x", ".hidden", "-flag",
      "has space", "ca",  "CA",   "ümlaut",  std::string(65, 'a')};
  for (const auto& bad : bad_names) {
    auto r = make_dev_pki(dir.path() / "out", {RoleClaim::agent("ok"), RoleClaim::agent(bad)});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidName) << bad;
    EXPECT_NE(r.error().text.find("identity name"), std::string::npos) << r.error().text;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
  EXPECT_TRUE(check_identity_name("Broker_1.dc-2"));
}

PeerIdentity identity_in(const fs::path& crt) {
  X509Ptr cert = read_cert(crt);
  auto id = certificate_identity(cert.get());
  EXPECT_TRUE(id);
  return id ? id.value() : PeerIdentity{};
}

TEST(CertFactoryTest, EachLeafGrantsItsOneRoleInCanonicalCase) {
  testing::TempDir dir;
  ASSERT_TRUE(make_dev_pki(dir.path(),
                           {RoleClaim::agent("DC1-H1"), RoleClaim{NodeRole::kBroker, "DC2", "B1"},
                            RoleClaim::consumer("c1"), RoleClaim::admin("ops")}));
  EXPECT_EQ(identity_in(dir.path() / "dc1-h1.crt").roles,
            std::vector<RoleClaim>{RoleClaim::agent("dc1-h1")});
  EXPECT_EQ(identity_in(dir.path() / "b1.crt").roles,
            std::vector<RoleClaim>{RoleClaim::broker("dc2", "b1")});
  EXPECT_EQ(identity_in(dir.path() / "c1.crt").roles,
            std::vector<RoleClaim>{RoleClaim::consumer("c1")});
  EXPECT_EQ(identity_in(dir.path() / "ops.crt").roles,
            std::vector<RoleClaim>{RoleClaim::admin("ops")});
  EXPECT_FALSE(fs::exists(dir.path() / "DC1-H1.crt"));
}

TEST(CertFactoryTest, RefusesOneNameForTwoRoles) {
  testing::TempDir dir;
  auto r = make_dev_pki(dir.path() / "out", {RoleClaim::agent("n1"), RoleClaim::consumer("n1")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidName);
  EXPECT_NE(r.error().text.find("ferry://consumer/n1"), std::string::npos) << r.error().text;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

struct CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};

std::unique_ptr<X509_CRL, CrlFree> read_crl(const fs::path& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  std::unique_ptr<X509_CRL, CrlFree> crl(PEM_read_X509_CRL(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return crl;
}

bool lists(X509_CRL* crl, X509* cert) {
  X509_REVOKED* entry = nullptr;
  return X509_CRL_get0_by_serial(crl, &entry, X509_get0_serialNumber(cert)) == 1;
}

TEST(CertFactoryTest, RevokeWritesACrlOfTheCaListingThoseCertificatesOnly) {
  testing::TempDir dir;
  ASSERT_TRUE(make_dev_pki(
      dir.path(), {RoleClaim::agent("h1"), RoleClaim::agent("h2"), RoleClaim::consumer("c1")}));
  auto first = revoke_dev_certs(dir.path(), {"H1"});  // names compare lowercased
  ASSERT_TRUE(first) << first.error().text;
  EXPECT_EQ(first.value(), dir.path() / "ca.crl");
  auto second = revoke_dev_certs(dir.path(), {"c1"});
  ASSERT_TRUE(second) << second.error().text;

  auto crl = read_crl(dir.path() / "ca.crl");
  auto ca = read_cert(dir.path() / "ca.crt");
  ASSERT_TRUE(crl && ca);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.get())), 1);
  EXPECT_TRUE(lists(crl.get(), read_cert(dir.path() / "h1.crt").get()));  // kept from the first
  EXPECT_TRUE(lists(crl.get(), read_cert(dir.path() / "c1.crt").get()));
  EXPECT_FALSE(lists(crl.get(), read_cert(dir.path() / "h2.crt").get()));
  EXPECT_EQ(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())), 2);
  EXPECT_EQ(mode_of(dir.path() / "ca.crl"), 0644u);
}

TEST(CertFactoryTest, RevokeNamesAMissingCertificate) {
  testing::TempDir dir;
  ASSERT_TRUE(make_dev_pki(dir.path(), {RoleClaim::agent("h1")}));
  auto r = revoke_dev_certs(dir.path(), {"nobody"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().text.find("nobody.crt"), std::string::npos) << r.error().text;
  EXPECT_FALSE(fs::exists(dir.path() / "ca.crl"));
}

}  // namespace
}  // namespace ferry::tls
