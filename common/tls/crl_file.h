#pragma once
// Certificate revocation for a TLS context: `[tls] crl` (DESIGN §10, docs/security.md).
//
// load_crl_file() adds every CRL in a PEM file to the context's trust store and turns on
// X509_V_FLAG_CRL_CHECK, so a peer whose leaf certificate is listed fails the handshake
// ("certificate revoked"). Call it after the CA is loaded: each CRL must be signed by a CA
// of that store and still current, because a CRL that cannot be used would otherwise
// fail every handshake ("unable to get certificate CRL", "CRL has expired") instead of
// being refused here, where a reload can keep the old context.

#include <string>

#include <openssl/ssl.h>

#include "common/tls/tls_error.h"

namespace ferry::tls {

TlsResult<void> load_crl_file(SSL_CTX* ctx, const std::string& crl_file);

// Why the peer's certificate did not verify on this connection ("certificate revoked"),
// or an empty string when it did or was never checked. For handshake failure logs.
std::string peer_verify_failure(SSL* ssl);

}  // namespace ferry::tls
