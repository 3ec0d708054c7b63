#include "common/tls/tls_error.h"

#include <openssl/err.h>

namespace ferry::tls {

std::string take_openssl_errors() {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    const char* reason = ERR_reason_error_string(e);
    std::string item = reason != nullptr ? reason : "error " + std::to_string(e);
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      item += " (";
      item += data;
      item += ")";
    }
    // The queue often repeats one system error at each layer (system lib, BIO, SSL).
    if (out.find(item) != std::string::npos) continue;
    if (!out.empty()) out += "; ";
    out += item;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

void clear_openssl_errors() { ERR_clear_error(); }

}  // namespace ferry::tls
