#include "common/tls/context_source.h"

#include "common/tls/tls_context.h"

namespace ferry::tls {
namespace {

TlsResult<std::shared_ptr<asio::ssl::context>> make(ContextSource::Side side,
                                                    const TlsOptions& options) {
  return side == ContextSource::Side::kServer ? make_server_context(options)
                                              : make_client_context(options);
}

}  // namespace

TlsResult<std::shared_ptr<ContextSource>> ContextSource::load(Side side, TlsOptions options) {
  BOOST_OUTCOME_TRY(first, make(side, options));
  return std::shared_ptr<ContextSource>(
      new ContextSource(side, std::move(options), std::move(first)));
}

ContextSource::ContextSource(std::shared_ptr<asio::ssl::context> fixed)
    : side_(Side::kServer), reloadable_(false), current_(std::move(fixed)) {}

ContextSource::ContextSource(Side side, TlsOptions options,
                             std::shared_ptr<asio::ssl::context> first)
    : side_(side), options_(std::move(options)), reloadable_(true), current_(std::move(first)) {}

std::shared_ptr<asio::ssl::context> ContextSource::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

TlsResult<void> ContextSource::reload() {
  if (!reloadable_) return success();
  BOOST_OUTCOME_TRY(next, make(side_, options_));
  std::lock_guard lock(mutex_);
  current_ = std::move(next);
  return success();
}

TlsResult<void> ContextSource::reload(TlsOptions options) {
  if (!reloadable_) return success();
  BOOST_OUTCOME_TRY(next, make(side_, options));
  options_ = std::move(options);
  std::lock_guard lock(mutex_);
  current_ = std::move(next);
  return success();
}

}  // namespace ferry::tls
