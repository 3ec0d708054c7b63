#pragma once
// TLS 1.3 contexts with mutual authentication, for every Ferry hop (DESIGN §10).
//
// Both sides present their certificate and verify the other's against ca_file. The
// server refuses a client without a certificate. Verification stops at the CA: which
// peer it is (its host or node name) is the application's check, through
// peer_identity() after the handshake. Hostname checking on the client is optional
// (expect_server_name) because brokers are often dialled by IP address. With a crl_file,
// a peer whose certificate it lists fails the handshake (crl_file.h).
//
// A context is immutable once made and may be shared by any number of streams on any
// threads (OpenSSL SSL_CTX is thread-safe for this use).

#include <memory>
#include <string>

#include "common/net/asio.h"
#include "common/tls/tls_error.h"
#include "common/tls/tls_options.h"

namespace ferry::tls {

// A context for accepting: TLS 1.3 only, verify_peer | verify_fail_if_no_peer_cert.
// Errors name the file that failed and the OpenSSL reason.
TlsResult<std::shared_ptr<asio::ssl::context>> make_server_context(const TlsOptions& options);

// A context for connecting: TLS 1.3 only, verifies the server against ca_file and
// presents cert_file to it.
TlsResult<std::shared_ptr<asio::ssl::context>> make_client_context(const TlsOptions& options);

// A context for HTTPS to a server outside Ferry (WebHDFS): TLS 1.2 or 1.3, verifies the
// server against ca_file, presents cert_file/key_file only when both are given. Pair it
// with expect_server_name() on every connection: the server's name is what it proves.
TlsResult<std::shared_ptr<asio::ssl::context>> make_https_client_context(const TlsOptions& options);

// Optional, client side, before the handshake: send `host` as SNI (unless it is an IP
// address) and make the handshake fail unless the server certificate names it (a DNS
// SAN, or an IP SAN for an address).
Result<void> expect_server_name(SSL* ssl, const std::string& host);

}  // namespace ferry::tls
