#include "common/tls/crl_file.h"

#include <memory>
#include <vector>

#include <openssl/pem.h>
#include <openssl/x509.h>

namespace ferry::tls {
namespace {

struct CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using CrlPtr = std::unique_ptr<X509_CRL, CrlFree>;

TlsError crl_error(const std::string& file, const std::string& why) {
  return TlsError(Errc::kCrlLoad, "cannot use CRL " + file + ": " + why);
}

TlsResult<std::vector<CrlPtr>> read_crls(const std::string& file) {
  clear_openssl_errors();
  std::unique_ptr<BIO, CrlFree> bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) return crl_error(file, take_openssl_errors());
  std::vector<CrlPtr> crls;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    crls.emplace_back(crl);
  }
  clear_openssl_errors();  // the loop ends on "no start line" at the end of the file
  if (crls.empty()) return crl_error(file, "no PEM X509 CRL in it");
  return crls;
}

// The CA in `store` that issued and signed `crl`, or nullptr.
X509* signing_ca(X509_STORE* store, X509_CRL* crl) {
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    X509* ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i));
    if (ca == nullptr || X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) != 0)
      continue;
    if (X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1) return ca;
  }
  clear_openssl_errors();
  return nullptr;
}

}  // namespace

TlsResult<void> load_crl_file(SSL_CTX* ctx, const std::string& crl_file) {
  BOOST_OUTCOME_TRY(crls, read_crls(crl_file));
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (const auto& crl : crls) {
    if (signing_ca(store, crl.get()) == nullptr) {
      return crl_error(crl_file, "not signed by a CA of the CA file");
    }
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
    if (next != nullptr && X509_cmp_current_time(next) < 0) {
      return crl_error(crl_file, "expired (its next update is past); issue a fresh one");
    }
    if (X509_STORE_add_crl(store, crl.get()) != 1)
      return crl_error(crl_file, take_openssl_errors());
  }
  // Leaf only: Ferry's chains are one CA deep, and the CA's own CRL is the one we have.
  if (X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK) != 1) {
    return crl_error(crl_file, take_openssl_errors());
  }
  return success();
}

std::string peer_verify_failure(SSL* ssl) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return {};
  return X509_verify_cert_error_string(result);
}

}  // namespace ferry::tls
