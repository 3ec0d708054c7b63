#include "common/net/tls_stream.h"

#include <openssl/err.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>

namespace ferry::net {

namespace {

// OpenSSL writes to the socket with write(2), not send(2) with MSG_NOSIGNAL as asio does:
// a write to a connection the peer has closed would raise SIGPIPE, whose default action
// ends the process without a word. Ignored once for the process, so the write fails
// with EPIPE and the connection ends like any other.
void ignore_sigpipe_once() {
  static const bool ignored = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)ignored;
}

}  // namespace

TlsStream::TlsStream(tcp::socket socket, asio::ssl::context& context)
    : socket_(std::move(socket)), ssl_(SSL_new(context.native_handle())) {
  ignore_sigpipe_once();
  if (ssl_ == nullptr) throw std::bad_alloc();
  // An idle connection keeps no record buffers (about 34 KB): they are taken from the
  // heap for a record and given back after it.
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
}

TlsStream::TlsStream(TlsStream&& other) noexcept
    : socket_(std::move(other.socket_)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      attached_(other.attached_) {}

TlsStream::~TlsStream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

int TlsStream::handshake_step(asio::ssl::stream_base::handshake_type type) {
  if (!attached_) {
    attached_ = true;
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    if (ec || SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle())) != 1) return -1;
    if (type == asio::ssl::stream_base::client) {
      SSL_set_connect_state(ssl_);
    } else {
      SSL_set_accept_state(ssl_);
    }
  }
  return SSL_do_handshake(ssl_);
}

TlsStream::Step TlsStream::classify(int result, boost::system::error_code& ec) {
  const int error = SSL_get_error(ssl_, result);
  switch (error) {
    case SSL_ERROR_WANT_READ:
      return Step::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Step::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      ec = asio::error::eof;  // close_notify
      return Step::kDone;
    case SSL_ERROR_SYSCALL: {
      const int saved = errno;
      const unsigned long queued = ERR_get_error();
      if (queued != 0) {
        ec = boost::system::error_code(static_cast<int>(queued), asio::error::get_ssl_category());
      } else if (saved != 0) {
        ec = boost::system::error_code(saved, asio::error::get_system_category());
      } else {
        ec = asio::ssl::error::stream_truncated;
      }
      return Step::kDone;
    }
    default: {
      const unsigned long queued = ERR_peek_last_error();
      ERR_clear_error();
      if (ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ec = asio::ssl::error::stream_truncated;  // the peer closed without close_notify
      } else {
        ec = boost::system::error_code(
            static_cast<int>(queued != 0 ? queued : static_cast<unsigned long>(error)),
            asio::error::get_ssl_category());
      }
      return Step::kDone;
    }
  }
}

}  // namespace ferry::net
