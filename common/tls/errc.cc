#include "common/tls/errc.h"

namespace ferry::tls {
namespace {

class TlsCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry.tls"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kOk:
        return "ok";
      case Errc::kContextSetup:
        return "TLS context setup failed";
      case Errc::kCertificateLoad:
        return "cannot load certificate";
      case Errc::kPrivateKeyLoad:
        return "cannot load private key";
      case Errc::kCaLoad:
        return "cannot load CA certificates";
      case Errc::kKeyMismatch:
        return "private key does not match certificate";
      case Errc::kNoPeerCertificate:
        return "peer presented no certificate";
      case Errc::kPeerNotVerified:
        return "peer certificate not verified";
      case Errc::kBadPeerCertificate:
        return "peer certificate unreadable";
      case Errc::kInvalidName:
        return "invalid identity name";
      case Errc::kCertificateIssue:
        return "cannot issue certificate";
      case Errc::kFileWrite:
        return "cannot write file";
      case Errc::kCrlLoad:
        return "cannot load certificate revocation list";
    }
    return "unknown tls error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& tls_category() {
  static const TlsCategory category;
  return category;
}

}  // namespace ferry::tls
