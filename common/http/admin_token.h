#pragma once
// The admin token file: one secret line that write endpoints (POST /api/...) require as
// `Authorization: Bearer <token>`. Daemons read it at start ([http] admin_token_file);
// `ferryctl cluster up` makes one; ferryctl sends it (--token-file).

#include <string>

#include "common/base/result.h"

namespace ferry::http {

// The file's content without surrounding whitespace. Errors: unreadable; or
// std::errc::invalid_argument when the token is shorter than 16 characters or holds
// whitespace or control characters (it travels in a header).
Result<std::string> read_admin_token(const std::string& path);

// A new random token (32 bytes, hex) written to `path` with mode 0600, replacing none:
// fails with file_exists if `path` exists.
Result<std::string> create_admin_token(const std::string& path);

}  // namespace ferry::http
