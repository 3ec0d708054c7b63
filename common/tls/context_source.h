#pragma once
// The TLS context new connections use, replaceable on SIGHUP (DESIGN §11, docs/security.md).
//
// current() hands out the context to build the next connection with. reload() re-reads
// the certificate, key, CA and CRL files and, only when all of them load, makes the new
// context current; otherwise the old one stays and the error says why. Connections made
// earlier go on with the context they were made with (each SSL holds its own reference
// to its SSL_CTX; holders of current() keep theirs for the connection's life anyway).
//
// Thread-safe: current() may be called on any thread while reload() runs; reload() and
// options() belong to one thread (the SIGHUP handler's).

#include <memory>
#include <mutex>

#include "common/net/asio.h"
#include "common/tls/tls_error.h"
#include "common/tls/tls_options.h"

namespace ferry::tls {

class ContextSource {
 public:
  enum class Side { kServer, kClient };

  // Loads the first context (make_server_context or make_client_context).
  static TlsResult<std::shared_ptr<ContextSource>> load(Side side, TlsOptions options);

  // A context that never changes (tests, tools): reload() keeps it and succeeds.
  explicit ContextSource(std::shared_ptr<asio::ssl::context> fixed);

  std::shared_ptr<asio::ssl::context> current() const;
  TlsResult<void> reload();
  // Loads from other files (the config named new ones); they become options() only if
  // they load, else the old files and context stay.
  TlsResult<void> reload(TlsOptions options);

  Side side() const { return side_; }
  const TlsOptions& options() const { return options_; }

 private:
  ContextSource(Side side, TlsOptions options, std::shared_ptr<asio::ssl::context> first);

  Side side_;
  TlsOptions options_;
  bool reloadable_;
  mutable std::mutex mutex_;
  std::shared_ptr<asio::ssl::context> current_;
};

}  // namespace ferry::tls
