#pragma once
// A development PKI: one CA and a certificate per identity, as PEM files
// (`ferryctl certs`, and tests). Not for production: keys are unencrypted on disk.
//
// make_dev_pki(out_dir, {RoleClaim::broker("dc1", "b1"), RoleClaim::agent("h1")}) writes
// out_dir/ca.crt and the CA's key, ca_dir/ca.key (unless both exist, in which case that
// CA is reused, so a host can be added later), then b1.crt/b1.key and h1.crt/h1.key in
// out_dir, replacing any previous files of those names. The CA key lives apart from what
// hosts need (ca_dir, by default out_dir/ca/, mode 0700): copying out_dir's files to
// hosts never copies it. A ca.key left in out_dir by earlier versions is moved there.
// Keys are ECDSA P-256, key files mode 0600, and every file is written to a temporary
// name and renamed, so a reader never sees half a file.
//
// CA: self-signed, basicConstraints critical CA:TRUE, keyUsage keyCertSign + cRLSign.
// Leaf: CN = name, SAN DNS:name, DNS:localhost, IP:127.0.0.1 and the role's URI
// (role_claim.h: it is what peers check), extendedKeyUsage serverAuth + clientAuth (every
// Ferry process is both a TLS client and a server). Names are lowercased (canonical).

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/tls/role_claim.h"
#include "common/tls/tls_error.h"

namespace ferry::tls {

struct DevPkiOptions {
  int ca_days = 3650;   // validity of a new CA
  int leaf_days = 825;  // validity of each identity certificate
  int crl_days = 825;   // a CRL's next update: past it, peers checking it refuse everyone
  std::string ca_name = "Ferry development CA";
  std::filesystem::path ca_dir;  // where ca.key lives; empty: out_dir/"ca"
};

// What make_dev_pki did, for the operator.
struct DevPki {
  bool ca_reused = false;                      // ca.crt/ca.key existed and were used
  std::vector<std::filesystem::path> written;  // every file written, in order
  std::filesystem::path moved_ca_key;          // the ca.key found in out_dir and moved, if any
};

// Identity names become file names, CNs and DNS SANs: 1-64 characters from
// [A-Za-z0-9._-], not starting with '.' or '-', and not "ca" in any case (the CA files).
// Fails with Errc::kInvalidName and a text saying what is wrong.
TlsResult<void> check_identity_name(std::string_view name);

// A certificate and its key, as PEM.
struct PemIdentity {
  std::string cert_pem;
  std::string key_pem;
};

// Issues identities in memory from the CA make_dev_pki keeps in out_dir (ca.crt, and its
// key in options.ca_dir or out_dir/ca): for a benchmark that plays thousands of hosts,
// which needs a certificate for each but no file. Same certificates as make_dev_pki's.
class DevIssuer {
 public:
  static TlsResult<DevIssuer> open(const std::filesystem::path& out_dir,
                                   const DevPkiOptions& options = {});
  DevIssuer(DevIssuer&&) noexcept;
  DevIssuer& operator=(DevIssuer&&) noexcept;
  ~DevIssuer();

  TlsResult<PemIdentity> issue(const RoleClaim& claim) const;

 private:
  struct Ca;
  explicit DevIssuer(std::unique_ptr<Ca> ca);
  std::unique_ptr<Ca> ca_;
  int leaf_days_ = 825;
};

TlsResult<DevPki> make_dev_pki(const std::filesystem::path& out_dir,
                               const std::vector<RoleClaim>& identities,
                               const DevPkiOptions& options = {});

// Revokes out_dir/NAME.crt for each of `names`: adds their serials to out_dir/ca.crl
// (keeping the entries of an existing one), signed by out_dir/ca.crt and the CA key
// (ca_dir/ca.key, or an older out_dir/ca.key), valid for crl_days. Returns the CRL's path. Daemons
// read it as `[tls] crl` (on start and SIGHUP).
TlsResult<std::filesystem::path> revoke_dev_certs(const std::filesystem::path& out_dir,
                                                  const std::vector<std::string>& names,
                                                  const DevPkiOptions& options = {});

}  // namespace ferry::tls
