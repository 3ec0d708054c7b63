#include "common/tls/cert_factory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/storage/durable_file.h"

namespace ferry::tls {
namespace {

namespace fs = std::filesystem;

struct OpenSslFree {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
  void operator()(X509_REVOKED* p) const { X509_REVOKED_free(p); }
  void operator()(ASN1_TIME* p) const { ASN1_TIME_free(p); }
};
using X509Ptr = std::unique_ptr<X509, OpenSslFree>;
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree>;
using CrlPtr = std::unique_ptr<X509_CRL, OpenSslFree>;

struct Issued {
  X509Ptr cert;
  KeyPtr key;
};

TlsError issue_error(const std::string& what) {
  return TlsError(Errc::kCertificateIssue, what + ": " + take_openssl_errors());
}

// Fills in everything but the extensions: version 3, random serial, validity, names, key.
TlsResult<X509Ptr> new_cert(EVP_PKEY* key, const std::string& cn, int days) {
  X509Ptr cert(X509_new());
  std::unique_ptr<BIGNUM, OpenSslFree> serial(BN_new());
  if (!cert || !serial) return issue_error("cannot allocate certificate");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  // Back-date by an hour so a peer with a slightly slow clock accepts a fresh cert.
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) == nullptr ||
      X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("Ferry"), -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return issue_error("cannot fill in certificate for " + cn);
  }
  return cert;
}

TlsResult<void> add_extensions(X509* cert, X509* issuer,
                               const std::vector<std::pair<int, std::string>>& extensions) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    std::unique_ptr<X509_EXTENSION, OpenSslFree> ext(
        X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
      return issue_error(std::string("cannot add ") + OBJ_nid2sn(nid) + " = " + value);
    }
  }
  return success();
}

TlsResult<KeyPtr> new_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return issue_error("cannot generate P-256 key");
  return key;
}

TlsResult<Issued> make_ca(const DevPkiOptions& options) {
  BOOST_OUTCOME_TRY(key, new_key());
  BOOST_OUTCOME_TRY(cert, new_cert(key.get(), options.ca_name, options.ca_days));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1) {
    return issue_error("cannot set CA issuer");
  }
  BOOST_OUTCOME_TRY(add_extensions(cert.get(), cert.get(),
                                   {{NID_basic_constraints, "critical,CA:TRUE"},
                                    {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                    {NID_subject_key_identifier, "hash"},
                                    {NID_authority_key_identifier, "keyid:always"}}));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return issue_error("cannot sign CA");
  return Issued{std::move(cert), std::move(key)};
}

TlsResult<Issued> issue_leaf(const Issued& ca, const RoleClaim& claim, int days) {
  const std::string& name = claim.id;
  BOOST_OUTCOME_TRY(key, new_key());
  BOOST_OUTCOME_TRY(cert, new_cert(key.get(), name, days));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get())) != 1) {
    return issue_error("cannot set issuer for " + name);
  }
  BOOST_OUTCOME_TRY(add_extensions(
      cert.get(), ca.cert.get(),
      {{NID_basic_constraints, "critical,CA:FALSE"},
       {NID_key_usage, "critical,digitalSignature"},
       {NID_ext_key_usage, "serverAuth,clientAuth"},
       {NID_subject_alt_name, "DNS:" + name + ",DNS:localhost,IP:127.0.0.1,URI:" + role_uri(claim)},
       {NID_subject_key_identifier, "hash"},
       {NID_authority_key_identifier, "keyid:always"}}));
  if (X509_sign(cert.get(), ca.key.get(), EVP_sha256()) == 0) {
    return issue_error("cannot sign certificate for " + name);
  }
  return Issued{std::move(cert), std::move(key)};
}

TlsError write_error(const fs::path& path, const std::string& why) {
  return TlsError(Errc::kFileWrite, "cannot write " + path.string() + ": " + why);
}

// Writes `data` to path.tmp with `mode`, fsyncs it and renames it over `path`.
TlsResult<void> write_file(const fs::path& path, std::string_view data, mode_t mode) {
  const fs::path tmp = path.string() + ".tmp";
  // A stale temp file from a crash goes first; then O_EXCL|O_NOFOLLOW, so a link planted
  // at the temp name (in a shared directory) can never redirect a key elsewhere.
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return write_error(path, std::strerror(errno));
  bool ok = ::fchmod(fd, mode) == 0;  // the umask may have narrowed O_CREAT's mode
  for (size_t done = 0; ok && done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(ok ? errno : saved);
    ::unlink(tmp.c_str());
    return write_error(path, why);
  }
  return success();
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

TlsResult<void> write_pair(const Issued& issued, const fs::path& crt, const fs::path& key,
                           DevPki& report) {
  BioPtr crt_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!crt_bio || !key_bio || PEM_write_bio_X509(crt_bio.get(), issued.cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), issued.key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return issue_error("cannot encode " + crt.string() + " as PEM");
  }
  // Key first: a certificate on disk always has its key beside it.
  BOOST_OUTCOME_TRY(write_file(key, bio_contents(key_bio.get()), 0600));
  report.written.push_back(key);
  BOOST_OUTCOME_TRY(write_file(crt, bio_contents(crt_bio.get()), 0644));
  report.written.push_back(crt);
  return success();
}

TlsResult<Issued> load_ca(const fs::path& crt, const fs::path& key) {
  clear_openssl_errors();
  BioPtr crt_bio(BIO_new_file(crt.c_str(), "r"));
  X509Ptr cert(crt_bio ? PEM_read_bio_X509(crt_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    return TlsError(Errc::kCaLoad,
                    "cannot load CA certificate " + crt.string() + ": " + take_openssl_errors());
  }
  BioPtr key_bio(BIO_new_file(key.c_str(), "r"));
  KeyPtr pkey(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr)
                      : nullptr);
  if (!pkey) {
    return TlsError(Errc::kPrivateKeyLoad,
                    "cannot load CA key " + key.string() + ": " + take_openssl_errors());
  }
  if (X509_check_ca(cert.get()) == 0) {
    return TlsError(Errc::kCaLoad, crt.string() + " is not a CA certificate");
  }
  if (X509_check_private_key(cert.get(), pkey.get()) != 1) {
    return TlsError(Errc::kKeyMismatch, "CA key " + key.string() + " does not match " +
                                            crt.string() + ": " + take_openssl_errors());
  }
  return Issued{std::move(cert), std::move(pkey)};
}

TlsResult<X509Ptr> load_cert(const fs::path& path) {
  clear_openssl_errors();
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    return TlsError(Errc::kCertificateLoad,
                    "cannot load certificate " + path.string() + ": " + take_openssl_errors());
  }
  return cert;
}

// The CRL at `path` if there is one, or a new empty CRL of `ca`.
TlsResult<CrlPtr> existing_or_new_crl(const fs::path& path, const Issued& ca) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    clear_openssl_errors();
    BioPtr bio(BIO_new_file(path.c_str(), "r"));
    CrlPtr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!crl || X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.cert.get())) != 1) {
      return TlsError(Errc::kCrlLoad, path.string() +
                                          " is not a CRL of this CA: " + take_openssl_errors() +
                                          "; move it away to start a new one");
    }
    return crl;
  }
  CrlPtr crl(X509_CRL_new());
  if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.cert.get())) != 1) {
    return issue_error("cannot make a CRL");
  }
  return crl;
}

// Adds `cert`'s serial unless the CRL already lists it.
TlsResult<void> add_revoked(X509_CRL* crl, X509* cert) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  X509_REVOKED* listed = nullptr;
  if (X509_CRL_get0_by_serial(crl, &listed, serial) == 1) return success();
  std::unique_ptr<X509_REVOKED, OpenSslFree> entry(X509_REVOKED_new());
  std::unique_ptr<ASN1_TIME, OpenSslFree> now(X509_gmtime_adj(nullptr, 0));
  if (!entry || !now ||
      X509_REVOKED_set_serialNumber(entry.get(), const_cast<ASN1_INTEGER*>(serial)) != 1 ||
      X509_REVOKED_set_revocationDate(entry.get(), now.get()) != 1 ||
      X509_CRL_add0_revoked(crl, entry.get()) != 1) {
    return issue_error("cannot add a revoked entry");
  }
  entry.release();  // the CRL owns it now
  return success();
}

TlsResult<void> sign_crl(X509_CRL* crl, const Issued& ca, int days) {
  std::unique_ptr<ASN1_TIME, OpenSslFree> now(X509_gmtime_adj(nullptr, 0));
  std::unique_ptr<ASN1_TIME, OpenSslFree> next(X509_time_adj_ex(nullptr, days, 0, nullptr));
  if (!now || !next || X509_CRL_set1_lastUpdate(crl, now.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl, next.get()) != 1 || X509_CRL_sort(crl) != 1 ||
      X509_CRL_sign(crl, ca.key.get(), EVP_sha256()) == 0) {
    return issue_error("cannot sign the CRL");
  }
  return success();
}

fs::path ca_dir_of(const fs::path& out_dir, const DevPkiOptions& options) {
  return options.ca_dir.empty() ? out_dir / "ca" : options.ca_dir;
}

// Where the CA key is: ca_dir/ca.key, after moving an out_dir/ca.key of earlier versions
// there (and creating ca_dir, mode 0700). Refuses when both exist: which is the CA?
TlsResult<fs::path> settle_ca_key(const fs::path& out_dir, const DevPkiOptions& options,
                                  DevPki& report) {
  const fs::path dir = ca_dir_of(out_dir, options);
  const fs::path key = dir / "ca.key", old_key = out_dir / "ca.key";
  std::error_code ec;
  if (fs::create_directories(dir, ec)) fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return write_error(dir, ec.message());
  if (!fs::exists(old_key, ec) || fs::equivalent(key, old_key, ec)) return key;
  if (fs::exists(key, ec)) {
    return TlsError(Errc::kCaLoad, "found a CA key in both " + key.string() + " and " +
                                       old_key.string() + "; keep the one that signed ca.crt in " +
                                       dir.string() + " and remove the other");
  }
  auto content = storage::read_whole_file(old_key.string());
  if (!content)
    return TlsError(Errc::kPrivateKeyLoad,
                    "cannot read " + old_key.string() + ": " + content.error().message());
  BOOST_OUTCOME_TRY(write_file(key, content.value(), 0600));
  if (!fs::remove(old_key, ec) || ec)
    return write_error(old_key, "cannot remove it after moving it: " + ec.message());
  report.moved_ca_key = old_key;
  return key;
}

}  // namespace

TlsResult<void> check_identity_name(std::string_view name) {
  const std::string quoted = "identity name '" + std::string(name) + "'";
  if (name.empty() || name.size() > 64) {
    return TlsError(Errc::kInvalidName, quoted + " must be 1 to 64 characters long");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return TlsError(Errc::kInvalidName, quoted + " may only contain [A-Za-z0-9._-]");
  }
  if (name.front() == '.' || name.front() == '-') {
    return TlsError(Errc::kInvalidName, quoted + " must not start with '.' or '-'");
  }
  // Case-insensitively, so CA.crt cannot shadow ca.crt on a case-insensitive file system.
  if (name.size() == 2 && (name[0] | 0x20) == 'c' && (name[1] | 0x20) == 'a') {
    return TlsError(Errc::kInvalidName, quoted + " is reserved for the CA files");
  }
  return success();
}

TlsResult<DevPki> make_dev_pki(const fs::path& out_dir, const std::vector<RoleClaim>& claims,
                               const DevPkiOptions& options) {
  std::vector<RoleClaim> identities;  // each once; a name never holds two roles
  for (RoleClaim claim : claims) {
    claim.id = canonical_name(claim.id);
    claim.dc = canonical_name(claim.dc);
    BOOST_OUTCOME_TRY(check_identity_name(claim.id));
    if (claim.role == NodeRole::kBroker) {
      BOOST_OUTCOME_TRY(check_identity_name(claim.dc));
    }
    auto same_name = std::find_if(identities.begin(), identities.end(),
                                  [&](const RoleClaim& c) { return c.id == claim.id; });
    if (same_name == identities.end()) {
      identities.push_back(claim);
    } else if (!(*same_name == claim)) {
      return TlsError(Errc::kInvalidName, "identity name '" + claim.id + "' is given as " +
                                              role_uri(*same_name) + " and as " + role_uri(claim) +
                                              "; each role needs a name of its own");
    }
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return write_error(out_dir, ec.message());

  DevPki report;
  const fs::path ca_crt = out_dir / "ca.crt";
  BOOST_OUTCOME_TRY(ca_key, settle_ca_key(out_dir, options, report));
  const bool have_crt = fs::exists(ca_crt, ec);
  const bool have_key = fs::exists(ca_key, ec);
  Issued ca;
  if (have_crt && have_key) {
    BOOST_OUTCOME_TRY(loaded, load_ca(ca_crt, ca_key));
    ca = std::move(loaded);
    report.ca_reused = true;
  } else if (have_crt || have_key) {
    // Never replace half a CA: certificates already issued from it would stop verifying.
    return TlsError(Errc::kCaLoad, "found " + (have_crt ? ca_crt : ca_key).string() + " without " +
                                       (have_crt ? ca_key : ca_crt).string() +
                                       "; restore it or remove both to make a new CA");
  } else {
    BOOST_OUTCOME_TRY(made, make_ca(options));
    ca = std::move(made);
    BOOST_OUTCOME_TRY(write_pair(ca, ca_crt, ca_key, report));
  }

  for (const auto& claim : identities) {
    BOOST_OUTCOME_TRY(leaf, issue_leaf(ca, claim, options.leaf_days));
    BOOST_OUTCOME_TRY(
        write_pair(leaf, out_dir / (claim.id + ".crt"), out_dir / (claim.id + ".key"), report));
  }
  return report;
}

struct DevIssuer::Ca {
  Issued issued;
};

DevIssuer::DevIssuer(std::unique_ptr<Ca> ca) : ca_(std::move(ca)) {}
DevIssuer::DevIssuer(DevIssuer&&) noexcept = default;
DevIssuer& DevIssuer::operator=(DevIssuer&&) noexcept = default;
DevIssuer::~DevIssuer() = default;

TlsResult<DevIssuer> DevIssuer::open(const fs::path& out_dir, const DevPkiOptions& options) {
  const fs::path key = ca_dir_of(out_dir, options) / "ca.key";
  BOOST_OUTCOME_TRY(ca, load_ca(out_dir / "ca.crt", key));
  DevIssuer issuer(std::make_unique<Ca>(Ca{std::move(ca)}));
  issuer.leaf_days_ = options.leaf_days;
  return issuer;
}

TlsResult<PemIdentity> DevIssuer::issue(const RoleClaim& claim) const {
  RoleClaim c = claim;
  c.id = canonical_name(c.id);
  c.dc = canonical_name(c.dc);
  BOOST_OUTCOME_TRY(check_identity_name(c.id));
  BOOST_OUTCOME_TRY(leaf, issue_leaf(ca_->issued, c, leaf_days_));
  BioPtr crt_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!crt_bio || !key_bio || PEM_write_bio_X509(crt_bio.get(), leaf.cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), leaf.key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return issue_error("cannot encode the certificate of " + c.id + " as PEM");
  }
  return PemIdentity{bio_contents(crt_bio.get()), bio_contents(key_bio.get())};
}

TlsResult<fs::path> revoke_dev_certs(const fs::path& out_dir, const std::vector<std::string>& names,
                                     const DevPkiOptions& options) {
  fs::path ca_key = ca_dir_of(out_dir, options) / "ca.key";
  std::error_code ec;
  if (!fs::exists(ca_key, ec) && fs::exists(out_dir / "ca.key", ec)) ca_key = out_dir / "ca.key";
  BOOST_OUTCOME_TRY(ca, load_ca(out_dir / "ca.crt", ca_key));
  const fs::path crl_path = out_dir / "ca.crl";
  BOOST_OUTCOME_TRY(crl, existing_or_new_crl(crl_path, ca));
  for (const auto& given : names) {
    const std::string name = canonical_name(given);
    BOOST_OUTCOME_TRY(check_identity_name(name));
    BOOST_OUTCOME_TRY(cert, load_cert(out_dir / (name + ".crt")));
    if (X509_check_issued(ca.cert.get(), cert.get()) != X509_V_OK) {
      return TlsError(Errc::kCertificateLoad,
                      name + ".crt was not issued by " + (out_dir / "ca.crt").string());
    }
    BOOST_OUTCOME_TRY(add_revoked(crl.get(), cert.get()));
  }
  BOOST_OUTCOME_TRY(sign_crl(crl.get(), ca, options.crl_days));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1)
    return issue_error("cannot encode the CRL");
  BOOST_OUTCOME_TRY(write_file(crl_path, bio_contents(bio.get()), 0644));
  return crl_path;
}

}  // namespace ferry::tls
