#include "tests/support/test_pki.h"

#include <stdexcept>

#include "common/tls/cert_factory.h"

namespace ferry::testing {

TestPki::TestPki(const std::vector<tls::RoleClaim>& identities) {
  auto made = tls::make_dev_pki(dir_.path(), identities);
  if (!made) throw std::runtime_error("TestPki: " + made.error().text);
}

tls::TlsOptions TestPki::options(const std::string& identity) const {
  return {cert_file(identity), key_file(identity), ca_file()};
}

}  // namespace ferry::testing
