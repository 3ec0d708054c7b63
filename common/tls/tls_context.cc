#include "common/tls/tls_context.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/tls/crl_file.h"

namespace ferry::tls {
namespace {

enum class Role { kServer, kClient, kHttpsClient };

TlsError file_error(Errc code, const char* what, const std::string& file) {
  return TlsError(code,
                  std::string("cannot load ") + what + " " + file + ": " + take_openssl_errors());
}

TlsResult<void> load_identity(SSL_CTX* ctx, const TlsOptions& options) {
  if (options.cert_file.empty())
    return TlsError(Errc::kCertificateLoad, "no certificate file given");
  if (options.key_file.empty()) return TlsError(Errc::kPrivateKeyLoad, "no private key file given");
  clear_openssl_errors();
  if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1) {
    return file_error(Errc::kCertificateLoad, "certificate", options.cert_file);
  }
  // Loading the key already compares it with the certificate when the key types agree;
  // check_private_key catches the rest (e.g. an RSA key beside an EC certificate).
  if (SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string why = take_openssl_errors();
    const bool mismatch = why.find("mismatch") != std::string::npos;
    return TlsError(mismatch ? Errc::kKeyMismatch : Errc::kPrivateKeyLoad,
                    mismatch ? "private key " + options.key_file + " does not match certificate " +
                                   options.cert_file + ": " + why
                             : "cannot load private key " + options.key_file + ": " + why);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return TlsError(Errc::kKeyMismatch, "private key " + options.key_file +
                                            " does not match certificate " + options.cert_file +
                                            ": " + take_openssl_errors());
  }
  return success();
}

TlsResult<void> load_ca(SSL_CTX* ctx, const TlsOptions& options, Role role) {
  if (options.ca_file.empty()) return TlsError(Errc::kCaLoad, "no CA file given");
  clear_openssl_errors();
  if (SSL_CTX_load_verify_file(ctx, options.ca_file.c_str()) != 1) {
    return file_error(Errc::kCaLoad, "CA certificates", options.ca_file);
  }
  if (role == Role::kServer) {
    // Tell clients which CA we accept (certificate_authorities in the request).
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.ca_file.c_str());
    if (names == nullptr) return file_error(Errc::kCaLoad, "CA names from", options.ca_file);
    SSL_CTX_set_client_CA_list(ctx, names);
  }
  return success();
}

TlsResult<std::shared_ptr<asio::ssl::context>> make_context(const TlsOptions& options, Role role) {
  std::shared_ptr<asio::ssl::context> context;
  // Ferry's own hops speak TLS 1.3 only; HTTPS servers outside it may offer 1.2.
  const int min_version = role == Role::kHttpsClient ? TLS1_2_VERSION : TLS1_3_VERSION;
  try {
    context = std::make_shared<asio::ssl::context>(
        role == Role::kServer ? asio::ssl::context::tls_server : asio::ssl::context::tls_client);
  } catch (const boost::system::system_error& e) {
    return TlsError(Errc::kContextSetup, std::string("cannot create TLS context: ") + e.what());
  }
  SSL_CTX* ctx = context->native_handle();
  clear_openssl_errors();
  if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return TlsError(Errc::kContextSetup,
                    "cannot restrict the TLS context's versions: " + take_openssl_errors());
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // A broker holds thousands of mostly idle links: OpenSSL's record buffers (about 34 KB
  // a connection) are taken for a record and given back after it.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (role == Role::kServer) {
    // No Ferry client resumes a session: no session cache (it keeps each peer's session,
    // certificate included, after the connection is gone) and no tickets to make.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  SSL_CTX_set_verify(
      ctx,
      role == Role::kServer ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
      nullptr);
  if (role != Role::kHttpsClient || !options.cert_file.empty() || !options.key_file.empty()) {
    BOOST_OUTCOME_TRY(load_identity(ctx, options));
  }
  BOOST_OUTCOME_TRY(load_ca(ctx, options, role));
  if (!options.crl_file.empty()) {
    BOOST_OUTCOME_TRY(load_crl_file(ctx, options.crl_file));
  }
  return context;
}

}  // namespace

TlsResult<std::shared_ptr<asio::ssl::context>> make_server_context(const TlsOptions& options) {
  return make_context(options, Role::kServer);
}

TlsResult<std::shared_ptr<asio::ssl::context>> make_client_context(const TlsOptions& options) {
  return make_context(options, Role::kClient);
}

TlsResult<std::shared_ptr<asio::ssl::context>> make_https_client_context(
    const TlsOptions& options) {
  return make_context(options, Role::kHttpsClient);
}

Result<void> expect_server_name(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  const bool is_ip = !ec;
  clear_openssl_errors();
  bool ok;
  if (is_ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
         X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
  }
  clear_openssl_errors();
  if (!ok) return make_error_code(Errc::kContextSetup);
  return success();
}

}  // namespace ferry::tls
