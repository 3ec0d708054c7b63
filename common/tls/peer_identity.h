#pragma once
// Who is on the other end of a verified TLS connection: the names in its certificate.
// DESIGN §10: an agent's certificate names its host, and a broker refuses batches whose
// header names another host; brokers and consumers check each other the same way.

#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "common/base/result.h"

namespace ferry::tls {

struct PeerIdentity {
  std::string common_name;            // subject CN, empty if the certificate has none
  std::vector<std::string> dns_sans;  // subjectAltName DNS entries, in certificate order

  // True if `host` is the CN or one of the DNS SANs (ASCII case-insensitive, exact:
  // wildcards are not expanded).
  bool names(std::string_view host) const;
};

// The identity in a parsed certificate. Fails with Errc::kBadPeerCertificate if the CN
// or a SAN cannot be decoded.
Result<PeerIdentity> certificate_identity(X509* cert);

// The identity of the peer of a completed handshake on `ssl`, only if its certificate
// verified against our CA: Errc::kNoPeerCertificate or Errc::kPeerNotVerified otherwise.
// Call on the stream's strand; it only reads `ssl`.
Result<PeerIdentity> peer_identity(SSL* ssl);

}  // namespace ferry::tls
