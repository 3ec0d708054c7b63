#pragma once
// A development PKI in a fresh temp dir (removed afterwards): ca.crt/ca.key and a
// certificate per identity, made by tls::make_dev_pki. Two TestPki objects have two
// unrelated CAs, which is how tests make "a certificate from another CA".

#include <filesystem>
#include <string>
#include <vector>

#include "common/tls/role_claim.h"
#include "common/tls/tls_options.h"
#include "tests/support/temp_dir.h"

namespace ferry::testing {

class TestPki {
 public:
  // Throws std::runtime_error (with make_dev_pki's text) if the PKI cannot be made.
  explicit TestPki(const std::vector<tls::RoleClaim>& identities);

  const std::filesystem::path& dir() const { return dir_.path(); }
  std::string ca_file() const { return dir_.file("ca.crt"); }
  std::string cert_file(const std::string& identity) const { return dir_.file(identity + ".crt"); }
  std::string key_file(const std::string& identity) const { return dir_.file(identity + ".key"); }

  // cert, key and CA files for `identity`, ready for make_server/client_context.
  tls::TlsOptions options(const std::string& identity) const;

 private:
  TempDir dir_;
};

}  // namespace ferry::testing
