#include "common/tls/tls_error.h"

#include <cstring>

#include <openssl/err.h>

namespace ferry::tls {

std::string take_openssl_errors() {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    // OpenSSL 3 keeps errno in the reason of a system error and has no string for it.
    const char* reason =
        ERR_SYSTEM_ERROR(e) ? std::strerror(ERR_GET_REASON(e)) : ERR_reason_error_string(e);
    std::string item = reason != nullptr ? reason : "OpenSSL error " + std::to_string(e);
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      item += " (";
      item += data;
      item += ")";
    }
    // Outer layers repeat the inner error as "<library> lib" (system lib, PEM lib...).
    const bool wrapper = item.size() > 4 && item.compare(item.size() - 4, 4, " lib") == 0;
    if (out.find(item) != std::string::npos || (wrapper && !out.empty())) continue;
    if (!out.empty()) out += "; ";
    out += item;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

void clear_openssl_errors() { ERR_clear_error(); }

}  // namespace ferry::tls
