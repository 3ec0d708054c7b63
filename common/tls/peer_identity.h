#pragma once
// Who is on the other end of a verified TLS connection: the names and roles in its
// certificate. DESIGN §10: a certificate's ferry:// URIs (role_claim.h) say which roles
// and names it may claim in HELLO; a broker refuses batches whose header names another
// host; brokers and consumers check each other the same way.

#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "common/base/result.h"
#include "common/tls/role_claim.h"

namespace ferry::tls {

struct PeerIdentity {
  std::string common_name;            // subject CN, empty if the certificate has none
  std::vector<std::string> dns_sans;  // subjectAltName DNS entries, in certificate order
  std::vector<RoleClaim> roles;       // subjectAltName ferry:// URIs; others are ignored

  // True if the certificate grants exactly this role, DC and name.
  bool holds(const RoleClaim& claim) const;
  // The roles for a log line: "ferry://agent/h1, ferry://broker/dc1/b1" or "no ferry:// role".
  std::string describe_roles() const;
};

// The identity in a parsed certificate. Fails with Errc::kBadPeerCertificate if the CN
// or a SAN cannot be decoded.
Result<PeerIdentity> certificate_identity(X509* cert);

// The identity of the peer of a completed handshake on `ssl`, only if its certificate
// verified against our CA: Errc::kNoPeerCertificate or Errc::kPeerNotVerified otherwise.
// Call on the stream's strand; it only reads `ssl`.
Result<PeerIdentity> peer_identity(SSL* ssl);

}  // namespace ferry::tls
