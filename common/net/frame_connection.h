#pragma once
// A TLS connection that speaks Ferry frames: a read side that yields decoded frames and
// a bounded write queue drained by one writer coroutine. Used by every hop.
//
// Threading: all members must be called on the connection's strand (executor()). The
// object is shared: the writer coroutine holds a reference while it runs.
//
// Backpressure: queued_bytes() grows with send(); producers co_await
// wait_writable(low_watermark) before queueing more (Envoy's high/low watermarks).
// A peer that stops reading therefore stalls its producers, never our memory.

#include <deque>
#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/net/asio.h"
#include "common/wire/errc.h"
#include "common/wire/frame.h"
#include "common/wire/frame_decoder.h"

namespace ferry::net {

using TlsStream = asio::ssl::stream<tcp::socket>;

class FrameConnection : public std::enable_shared_from_this<FrameConnection> {
 public:
  FrameConnection(TlsStream stream, uint32_t max_frame_body);

  asio::any_io_executor executor() { return stream_.get_executor(); }
  TlsStream& stream() { return stream_; }
  SSL* ssl() { return stream_.native_handle(); }
  std::string remote() const { return remote_; }

  // The next whole frame. Errors: transport (eof, reset, timeout) or a wire::Errc from
  // the decoder; after a decoder error the caller should fail() with that code.
  asio::awaitable<Result<wire::Frame>> read_frame();
  // Same, but closes the connection if no frame arrives within `timeout`.
  asio::awaitable<Result<wire::Frame>> read_frame_within(std::chrono::milliseconds timeout);

  // Queues an encoded frame. Returns false when the connection is closing.
  bool send(std::string frame);
  size_t queued_bytes() const { return queued_bytes_; }

  // Suspends until queued bytes are below `low_watermark` or the connection closes.
  asio::awaitable<void> wait_writable(size_t low_watermark);

  // Sends ERROR(code, text), flushes, then closes. Logged by the caller.
  void fail(wire::Errc code, const std::string& text);
  // Closes now; queued frames are dropped.
  void close();
  bool closed() const { return closed_; }
  // False once fail() or close() was called: stop reading and producing.
  bool usable() const { return !closed_ && !closing_; }

 private:
  static asio::awaitable<void> write_loop(std::shared_ptr<FrameConnection> self);
  void wake_waiters();

  TlsStream stream_;
  wire::FrameDecoder decoder_;
  std::string read_buf_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;  // fail(): flush then close
  bool closed_ = false;
  asio::steady_timer drained_;
  std::string remote_;
};

// True for the errors a peer closing or our own close() produce: not worth a warning.
bool is_normal_close(const std::error_code& ec);

// TLS handshake with a deadline; on timeout the socket is closed and an error returned.
asio::awaitable<std::error_code> handshake(TlsStream& stream, asio::ssl::stream_base::handshake_type type,
                                           std::chrono::milliseconds timeout);

}  // namespace ferry::net
