#pragma once
// TlsError: an error code plus a text for a human, for failures where the code alone
// would not say what to fix ("cannot load private key /etc/ferry/b1.key: bad decrypt").
// TlsResult<T> is Result<T> with that error. Outcome treats TlsError as an error code
// (through make_error_code below); value() on a failed result throws std::system_error
// carrying the text.

#include <string>
#include <system_error>
#include <utility>

#include "common/base/result.h"
#include "common/tls/errc.h"

namespace ferry::tls {

struct TlsError {
  std::error_code code;
  std::string text;  // names the file and, where there is one, the OpenSSL reason

  TlsError() = default;
  TlsError(Errc e, std::string t) : code(make_error_code(e)), text(std::move(t)) {}
  TlsError(std::error_code c, std::string t) : code(c), text(std::move(t)) {}
};

// Lets Outcome (and callers) view a TlsError as its code.
inline std::error_code make_error_code(const TlsError& e) { return e.code; }

// What value() on a failed TlsResult throws (found by Outcome through ADL).
[[noreturn]] inline void outcome_throw_as_system_error_with_payload(const TlsError& e) {
  throw std::system_error(e.code, e.text);
}

template <class T>
using TlsResult = outcome::std_result<T, TlsError>;

// Drains this thread's OpenSSL error queue into one line ("reason; reason"), or
// "unknown OpenSSL error" if it is empty. Call right after the failed OpenSSL call.
std::string take_openssl_errors();

// Clears this thread's OpenSSL error queue (before a call whose failure we will report).
void clear_openssl_errors();

}  // namespace ferry::tls
