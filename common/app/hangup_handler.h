#pragma once
// SIGHUP for a daemon (systemd's ExecReload): never fatal.
//
// 1. The process's own log file is re-opened at its configured path (logrotate's
//    postrotate HUPs "the logger" after moving the file away).
// 2. If given a config (reload_config_with), the file is read again and validated by the
//    program's own loader. A file that fails keeps the running config, and the log says
//    why. Otherwise each key whose value changed is either applied (live_settings.h: the
//    log level, the TLS files) or logged as needing a restart, once per SIGHUP, until a
//    restart picks it up.
// 3. The sealing keys it was given are re-read (a directory that fails to load keeps
//    the keys held, and the log says why).
// 4. The TLS contexts it was given are reloaded (certificate, key, CA, CRL; from the new
//    paths if the config changed them): new connections use them, open ones go on; a
//    context whose files fail to load stays as it was, and the log says why.
//
// Runs its handler on the io_context it is given. stop() cancels the wait, so that
// io_context.run() can return.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/config/config_reader.h"
#include "common/crypto/key_ring.h"
#include "common/net/asio.h"
#include "common/tls/context_source.h"
#include "common/tls/tls_options.h"

namespace ferry::app {

// What a SIGHUP can apply of a validated config.
struct LiveConfig {
  std::string log_level;
  tls::TlsOptions tls;
};

class HangupHandler {
 public:
  // Reads the program's config from a reader and returns what can change live; throws
  // config::ConfigError for a file the program would refuse at start.
  using ConfigCheck = std::function<LiveConfig(const config::ConfigReader&)>;

  explicit HangupHandler(asio::io_context& io) : signals_(io, SIGHUP) {}

  // Before start(): `source` is reloaded on each SIGHUP; `what` names it in the log.
  void reload_on_hangup(std::string what, std::shared_ptr<tls::ContextSource> source) {
    tls_.emplace_back(std::move(what), std::move(source));
  }

  // Before start(): `keys` re-reads its directory on each SIGHUP.
  void reload_on_hangup(std::shared_ptr<crypto::KeyStore> keys) {
    keys_.push_back(std::move(keys));
  }

  // Before start(): re-read `path` on each SIGHUP; `running` is what the process started
  // with (ConfigReader::settings() of the file it loaded).
  void reload_config_with(std::string path, ConfigCheck check, config::Settings running) {
    config_path_ = std::move(path);
    check_ = std::move(check);
    running_ = std::move(running);
  }

  void start();
  void stop();

  // One SIGHUP's work (what the signal triggers), for tests.
  void on_hangup();

 private:
  void wait();
  // Returns the TLS options to reload with when the config changed them.
  std::optional<tls::TlsOptions> reload_config();
  void reload_tls(const std::optional<tls::TlsOptions>& changed);
  void reload_keys();
  // Takes the values of the keys under `prefix` from `fresh` into running_: a key not
  // adopted (a restart-only one) is reported again on the next SIGHUP.
  void adopt(const config::Settings& fresh, std::string_view prefix);

  asio::signal_set signals_;
  std::vector<std::pair<std::string, std::shared_ptr<tls::ContextSource>>> tls_;
  std::vector<std::shared_ptr<crypto::KeyStore>> keys_;
  std::string config_path_;
  ConfigCheck check_;
  config::Settings running_;
  config::Settings fresh_;  // the file as last read, valid
  bool stopped_ = false;
};

}  // namespace ferry::app
