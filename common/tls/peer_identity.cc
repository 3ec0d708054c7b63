#include "common/tls/peer_identity.h"

#include <algorithm>
#include <memory>

#include <openssl/x509v3.h>

#include "common/tls/errc.h"

namespace ferry::tls {
namespace {

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

bool PeerIdentity::holds(const RoleClaim& claim) const {
  return std::find(roles.begin(), roles.end(), claim) != roles.end();
}

std::string PeerIdentity::describe_roles() const {
  if (roles.empty()) return "no ferry:// role";
  std::string out;
  for (const auto& r : roles) out += (out.empty() ? "" : ", ") + role_uri(r);
  return out;
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
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans.get(), i);
      if (name->type == GEN_DNS) {
        BOOST_OUTCOME_TRY(dns, to_utf8(name->d.dNSName));
        identity.dns_sans.push_back(std::move(dns));
      } else if (name->type == GEN_URI) {
        BOOST_OUTCOME_TRY(uri, to_utf8(name->d.uniformResourceIdentifier));
        if (auto claim = parse_role_uri(uri)) identity.roles.push_back(std::move(*claim));
      }
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
