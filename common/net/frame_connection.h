#pragma once
// A TLS connection that speaks Ferry frames: a read side that yields decoded frames and
// a bounded write queue drained by one writer coroutine. Used by every hop.
//
// Threading: all members must be called on the connection's strand (executor()). The
// object is shared: the writer coroutine holds a reference while it runs.
//
// Backpressure: queued_bytes() grows with send(); producers co_await
// wait_writable(low_watermark) before queueing more (Envoy's high/low watermarks).
// A peer that stops reading therefore stalls its producers, never our memory. Frames
// that are replies to the peer (acks, HEARTBEATs) have no producer to stall: for them
// limit_queue() sets a hard cap, past which the peer is failed with kOverloaded ("does
// not read its replies") and what was queued for it is freed at once.
//
// Timeouts: watch_reads() closes a connection whose peer leaves a read_frame() waiting
// too long, counted from the moment we started waiting, so a session that stops reading
// for backpressure is never mistaken for a silent peer.

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/net/asio.h"
#include "common/net/tls_stream.h"
#include "common/wire/errc.h"
#include "common/wire/frame.h"
#include "common/wire/frame_decoder.h"

namespace ferry::net {

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
  // Same, and on an error ends the connection: a frame the decoder refused fails it with
  // that code (the peer gets ERROR), anything else closes it. For clients' read loops.
  asio::awaitable<Result<wire::Frame>> read_frame_or_fail();
  // Same as read_frame(), but closes the connection if no frame arrives within `timeout`.
  asio::awaitable<Result<wire::Frame>> read_frame_within(std::chrono::milliseconds timeout);

  // Queues an encoded frame. Returns false when the connection is closing, or when the
  // frame would take the queue past limit_queue() (the peer is then failed).
  bool send(std::string frame);
  size_t queued_bytes() const { return queued_bytes_; }

  // Hard cap on what may be queued for the peer: frame bytes plus kQueuedFrameOverhead
  // per frame (a queued 24-byte HEARTBEAT costs about 90 bytes of heap). 0 = none.
  void limit_queue(size_t max_queued_bytes) { max_queued_ = max_queued_bytes; }
  // Fails the connection (kProtocolViolation, logged) when a read_frame() waits longer
  // than `first_frame` for the first frame (HELLO) or `later_frames` for any other.
  void watch_reads(std::chrono::milliseconds first_frame, std::chrono::milliseconds later_frames);

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
  using SteadyTime = std::chrono::steady_clock::time_point;

  static asio::awaitable<void> write_loop(std::shared_ptr<FrameConnection> self);
  void wake_waiters();
  void enqueue(std::string frame);  // no cap: fail() must get its ERROR queued
  void fail_unread_replies();
  // Drops the frames no write has taken yet; the ones being written stay until it returns.
  void drop_unwritten();
  void release_queue_memory();
  void started_waiting();
  void stopped_waiting();
  void arm_watchdog(SteadyTime when);
  void check_deadlines();

  TlsStream stream_;
  wire::FrameDecoder decoder_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  size_t in_write_ = 0;     // frames at the queue's front handed to the current write
  size_t max_queued_ = 0;   // limit_queue(); 0 = none
  size_t peak_queued_ = 0;  // since the queue last drained, for release_queue_memory()
  std::chrono::milliseconds first_frame_timeout_{0}, frame_timeout_{0};  // watch_reads()
  uint64_t frames_read_ = 0;
  std::optional<SteadyTime> waiting_since_;  // a read_frame() is waiting for the peer
  std::optional<SteadyTime> close_by_;       // fail() was called: close if not done by then
  asio::steady_timer watchdog_;
  bool watchdog_armed_ = false;
  bool writing_ = false;
  bool closing_ = false;  // fail(): flush then close
  bool closed_ = false;
  asio::steady_timer drained_;
  std::string remote_;
};

// What a queued frame costs beyond its bytes: the std::string and its heap block.
inline constexpr size_t kQueuedFrameOverhead = 64;

// True for the errors a peer closing or our own close() produce: not worth a warning.
bool is_normal_close(const std::error_code& ec);

// TLS handshake with a deadline; on timeout the socket is closed and an error returned.
asio::awaitable<std::error_code> handshake(TlsStream& stream,
                                           asio::ssl::stream_base::handshake_type type,
                                           std::chrono::milliseconds timeout);

}  // namespace ferry::net
