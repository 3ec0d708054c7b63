#include "common/app/hangup_handler.h"

#include <map>

#include <spdlog/spdlog.h>

#include "common/app/live_settings.h"
#include "common/log/logging.h"

namespace ferry::app {
namespace {

void reopen_log() {
  try {
    auto path = log::reopen_log_file();
    if (path) {
      spdlog::info("SIGHUP: log file {} reopened", *path);
    } else {
      spdlog::info("SIGHUP: logging to stderr, nothing to reopen");
    }
  } catch (const std::exception& e) {
    spdlog::error("SIGHUP: cannot reopen the log file ({}); still writing to the old one",
                  e.what());
  }
}

std::map<std::string, std::string> values_of(const config::Settings& settings) {
  std::map<std::string, std::string> out;
  for (const auto& s : settings) out[s.key] = s.value;
  return out;
}

}  // namespace

void HangupHandler::start() { wait(); }

void HangupHandler::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  signals_.cancel(ignored);
}

void HangupHandler::wait() {
  signals_.async_wait([this](boost::system::error_code ec, int) {
    if (ec || stopped_) return;
    on_hangup();
    wait();
  });
}

void HangupHandler::on_hangup() {
  reopen_log();
  auto tls_changed = reload_config();
  reload_keys();
  reload_tls(tls_changed);
  spdlog::default_logger_raw()->flush();  // the operator is looking for these lines now
}

void HangupHandler::reload_keys() {
  for (const auto& keys : keys_) {
    if (auto why = keys->reload(); !why.empty()) {
      spdlog::error("SIGHUP: sealing keys not reloaded: {}; keeping key ids {}", why,
                    keys->current()->describe_ids());
    } else {
      spdlog::info("SIGHUP: sealing keys {} reloaded: ids {}, sealing with {}",
                   keys->dir().string(), keys->current()->describe_ids(),
                   keys->current()->newest_id());
    }
  }
}

std::optional<tls::TlsOptions> HangupHandler::reload_config() {
  if (!check_) return std::nullopt;
  LiveConfig live;
  config::Settings fresh;
  try {
    config::ConfigReader reader(config_path_);
    live = check_(reader);
    fresh = reader.settings();
  } catch (const config::ConfigError& e) {
    spdlog::error("SIGHUP: config not applied: {}; running on with the previous config", e.what());
    return std::nullopt;
  }
  auto before = values_of(running_);
  auto now = values_of(fresh);
  for (const auto& [key, value] : now) before.try_emplace(key, "(absent)");
  bool tls_changed = false;
  int pending = 0;
  for (const auto& [key, old_value] : before) {
    auto it = now.find(key);
    const std::string new_value = it == now.end() ? "(absent)" : it->second;
    if (new_value == old_value) continue;
    if (!changes_live(config::generic_key(key))) {
      spdlog::warn("SIGHUP: {} changed from {} to {} in {}; needs a restart (running with {})", key,
                   old_value, new_value, config_path_, old_value);
      ++pending;
      continue;
    }
    spdlog::info("SIGHUP: {} changed from {} to {}", key, old_value, new_value);
    tls_changed |= key.starts_with("tls.");
  }
  if (log::set_log_level(live.log_level)) adopt(fresh, "log.level");
  fresh_ = std::move(fresh);
  spdlog::info("SIGHUP: config {} re-read; {}", config_path_,
               pending == 0 ? "nothing waits for a restart"
                            : fmt::format("{} change(s) wait for a restart", pending));
  return tls_changed ? std::optional(live.tls) : std::nullopt;
}

void HangupHandler::adopt(const config::Settings& fresh, std::string_view prefix) {
  for (auto& s : running_) {
    if (!s.key.starts_with(prefix)) continue;
    for (const auto& f : fresh) {
      if (f.key == s.key) s = f;
    }
  }
}

void HangupHandler::reload_tls(const std::optional<tls::TlsOptions>& changed) {
  bool all_loaded = true;
  for (const auto& [what, source] : tls_) {
    auto reloaded = changed ? source->reload(*changed) : source->reload();
    if (reloaded) {
      const auto& o = source->options();
      spdlog::info("SIGHUP: {} reloaded (cert {}, ca {}, crl {}); new connections use it", what,
                   o.cert_file, o.ca_file, o.crl_file.empty() ? "none" : o.crl_file);
    } else {
      spdlog::error("SIGHUP: cannot reload {}: {}; new connections keep the previous one", what,
                    reloaded.error().text);
      all_loaded = false;
    }
  }
  // New TLS paths count as running once they loaded; until then each SIGHUP tries again.
  if (changed && all_loaded) adopt(fresh_, "tls.");
}

}  // namespace ferry::app
