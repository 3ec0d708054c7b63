#pragma once
// Where a process finds its TLS identity: its own certificate (chain) and key, and the
// CA that signs every Ferry peer, and optionally the CA's revocation list. All PEM.

#include <string>

namespace ferry::tls {

struct TlsOptions {
  std::string cert_file;  // leaf certificate first, then any intermediates
  std::string key_file;   // unencrypted private key matching cert_file
  std::string ca_file;    // CA certificate(s) peers must chain to
  std::string crl_file;   // optional: CRL(s) of that CA; a revoked peer fails the handshake
};

}  // namespace ferry::tls
