#pragma once
// TLS module error codes. OpenSSL's error queue is translated into these (plus a text,
// see tls_error.h) at this boundary and never leaks past it.

#include <cstdint>
#include <string>
#include <system_error>

namespace ferry::tls {

enum class Errc : uint16_t {
  kOk = 0,
  kContextSetup = 1,        // OpenSSL refused a context setting
  kCertificateLoad = 2,     // certificate (chain) file missing or unreadable
  kPrivateKeyLoad = 3,      // private key file missing or unreadable
  kCaLoad = 4,              // CA bundle missing or unreadable
  kKeyMismatch = 5,         // private key does not belong to the certificate
  kNoPeerCertificate = 6,   // the peer presented no certificate
  kPeerNotVerified = 7,     // the peer certificate did not verify against the CA
  kBadPeerCertificate = 8,  // the peer certificate could not be parsed
  kInvalidName = 9,         // identity name outside [A-Za-z0-9._-]
  kCertificateIssue = 10,   // generating a key or signing a certificate failed
  kFileWrite = 11,          // writing a PEM file failed
  kCrlLoad = 12,            // CRL file missing, unreadable, expired or not from the CA
};

const std::error_category& tls_category();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), tls_category()}; }

}  // namespace ferry::tls

template <>
struct std::is_error_code_enum<ferry::tls::Errc> : std::true_type {};
