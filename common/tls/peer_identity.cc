#include "common/tls/peer_identity.h"

#include <memory>

#include <openssl/x509v3.h>

#include "common/tls/errc.h"

namespace ferry::tls {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Decodes an ASN.1 string as UTF-8; refuses embedded NULs (a classic CN spoofing trick).
Result<std::string> to_utf8(const ASN1_STRING* s) {
  unsigned char* out = nullptr;
  const int n = ASN1_STRING_to_UTF8(&out, s);
  if (n < 0) return make_error_code(Errc::kBadPeerCertificate);
  std::string text(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  if (text.find('\0') != std::string::npos) return make_error_code(Errc::kBadPeerCertificate);
  return text;
}

struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};

}  // namespace

bool PeerIdentity::names(std::string_view host) const {
  if (host.empty()) return false;
  if (iequals(common_name, host)) return true;
  for (const auto& san : dns_sans) {
    if (iequals(san, host)) return true;
  }
  return false;
}

Result<PeerIdentity> certificate_identity(X509* cert) {
  if (cert == nullptr) return make_error_code(Errc::kNoPeerCertificate);
  PeerIdentity identity;
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, index);
    BOOST_OUTCOME_TRY(cn, to_utf8(X509_NAME_ENTRY_get_data(entry)));
    identity.common_name = std::move(cn);
  }
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans.get(), i);
      if (name->type != GEN_DNS) continue;
      BOOST_OUTCOME_TRY(dns, to_utf8(name->d.dNSName));
      identity.dns_sans.push_back(std::move(dns));
    }
  }
  return identity;
}

Result<PeerIdentity> peer_identity(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return make_error_code(Errc::kNoPeerCertificate);
  if (SSL_get_verify_result(ssl) != X509_V_OK) return make_error_code(Errc::kPeerNotVerified);
  return certificate_identity(cert);
}

}  // namespace ferry::tls
