#pragma once
// A TLS connection over a TCP socket in which OpenSSL reads and writes the socket itself
// (SSL_set_fd, non-blocking) and asio only waits for readiness. Ferry's links use it
// instead of asio::ssl::stream, which holds four 17 KB buffers for a connection's whole
// life (two in the stream, two in its BIO pair): 68 KB for each of the thousands of
// idle agents a broker serves. Here an idle connection holds its SSL object alone:
// SSL_MODE_RELEASE_BUFFERS (set on every connection) frees OpenSSL's record buffers
// whenever no record is half read or half written.
//
// It offers the part of asio::ssl::stream Ferry uses: async_handshake, async_read_some
// and async_write_some (so asio::async_write works on it), native_handle(),
// lowest_layer()/next_layer() and get_executor(). As with asio's stream, at most one
// read and one write may be in progress at a time. Errors: OpenSSL's, in asio's ssl
// category; the peer's close_notify is asio::error::eof, a peer gone without one is
// asio::ssl::error::stream_truncated. After lowest_layer().close(), every operation
// fails with operation_aborted or bad_descriptor and OpenSSL is not called again (the
// descriptor's number may already belong to another socket).
//
// The first TlsStream sets SIGPIPE to be ignored for the whole process: OpenSSL writes
// with write(2), and a write to a closed connection must fail with EPIPE, not kill us.
//
// Threading: like a socket, one strand.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <utility>

#include "common/net/asio.h"

namespace ferry::net {

class TlsStream {
 public:
  using executor_type = tcp::socket::executor_type;
  using lowest_layer_type = tcp::socket;
  using next_layer_type = tcp::socket;

  TlsStream(tcp::socket socket, asio::ssl::context& context);
  // Not yet connected: connect next_layer(), then handshake.
  template <typename ExecutionContextOrExecutor>
  TlsStream(ExecutionContextOrExecutor&& where, asio::ssl::context& context)
      : TlsStream(tcp::socket(std::forward<ExecutionContextOrExecutor>(where)), context) {}
  TlsStream(TlsStream&& other) noexcept;
  TlsStream& operator=(TlsStream&&) = delete;
  TlsStream(const TlsStream&) = delete;
  ~TlsStream();

  executor_type get_executor() { return socket_.get_executor(); }
  SSL* native_handle() { return ssl_; }
  tcp::socket& lowest_layer() { return socket_; }
  tcp::socket& next_layer() { return socket_; }

  template <typename Token>
  auto async_handshake(asio::ssl::stream_base::handshake_type type, Token&& token) {
    return asio::async_compose<Token, void(boost::system::error_code)>(
        op<false>([this, type](size_t&) { return handshake_step(type); }, false), token, socket_);
  }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    const asio::mutable_buffer b = first_buffer<asio::mutable_buffer>(buffers);
    return asio::async_compose<Token, void(boost::system::error_code, size_t)>(
        op<true>([this, b](size_t& n) { return SSL_read_ex(ssl_, b.data(), b.size(), &n); },
                 b.size() == 0),
        token, socket_);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    const asio::const_buffer b = first_buffer<asio::const_buffer>(buffers);
    return asio::async_compose<Token, void(boost::system::error_code, size_t)>(
        op<true>([this, b](size_t& n) { return SSL_write_ex(ssl_, b.data(), b.size(), &n); },
                 b.size() == 0),
        token, socket_);
  }

 private:
  enum class Step { kDone, kWantRead, kWantWrite };

  // Like asio's stream: one buffer per call, the first that is not empty.
  template <typename Buffer, typename Buffers>
  static Buffer first_buffer(const Buffers& buffers) {
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      Buffer b(*it);
      if (b.size() != 0) return b;
    }
    return Buffer();
  }

  int handshake_step(asio::ssl::stream_base::handshake_type type);
  // Runs one OpenSSL call (returning its 1/0/<=0 result) and says what comes next;
  // `ec` is set when it is done with an error.
  template <typename Call>
  Step attempt(Call& call, size_t& n, boost::system::error_code& ec) {
    if (!socket_.is_open()) {
      ec = asio::error::bad_descriptor;
      return Step::kDone;
    }
    ERR_clear_error();  // SSL_get_error reads the thread's queue: start it empty
    const int r = call(n);
    if (r == 1) return Step::kDone;
    return classify(r, ec);
  }
  Step classify(int result, boost::system::error_code& ec);

  // An OpenSSL call retried on readiness until it is done. The first step is posted, so
  // no operation completes inside its initiating function.
  template <typename Call, bool kSized>
  struct Op {
    TlsStream* stream;
    Call call;
    bool empty;  // a zero-length read or write: done at once, as with asio's stream
    bool started = false;

    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (!started) {
        started = true;
        asio::post(stream->socket_.get_executor(), std::move(self));
        return;
      }
      size_t n = 0;
      if (!ec && !empty) {
        switch (stream->attempt(call, n, ec)) {
          case Step::kWantRead:
            stream->socket_.async_wait(tcp::socket::wait_read, std::move(self));
            return;
          case Step::kWantWrite:
            stream->socket_.async_wait(tcp::socket::wait_write, std::move(self));
            return;
          case Step::kDone:
            break;
        }
      }
      if constexpr (kSized) {
        self.complete(ec, n);
      } else {
        self.complete(ec);
      }
    }
  };
  template <bool kSized, typename Call>
  Op<Call, kSized> op(Call call, bool empty) {
    return Op<Call, kSized>{this, std::move(call), empty};
  }

  tcp::socket socket_;
  SSL* ssl_ = nullptr;
  bool attached_ = false;  // SSL_set_fd done, socket non-blocking
};

}  // namespace ferry::net
