#include "common/net/frame_connection.h"

#include <spdlog/spdlog.h>

#include "common/wire/messages.h"

namespace ferry::net {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
}

FrameConnection::FrameConnection(TlsStream stream, uint32_t max_frame_body)
    : stream_(std::move(stream)),
      decoder_(max_frame_body),
      drained_(stream_.get_executor()) {
  boost::system::error_code ec;
  auto ep = stream_.lowest_layer().remote_endpoint(ec);
  remote_ = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  drained_.expires_at(asio::steady_timer::time_point::max());
}

asio::awaitable<Result<wire::Frame>> FrameConnection::read_frame() {
  while (true) {
    auto next = decoder_.next();
    if (!next) co_return next.error();
    if (next.value()) co_return std::move(*next.value());
    if (closed_) co_return make_error_code(std::errc::not_connected);
    read_buf_.resize(kReadChunk);
    boost::system::error_code ec;
    size_t n = co_await stream_.async_read_some(asio::buffer(read_buf_),
                                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return std::error_code(ec);
    decoder_.feed(std::string_view(read_buf_.data(), n));
  }
}

asio::awaitable<Result<wire::Frame>> FrameConnection::read_frame_within(
    std::chrono::milliseconds timeout) {
  auto done = std::make_shared<bool>(false);
  auto self = shared_from_this();
  asio::steady_timer watchdog(executor());
  watchdog.expires_after(timeout);
  watchdog.async_wait([done, self](boost::system::error_code ec) {
    if (!ec && !*done) self->close();
  });
  auto r = co_await read_frame();
  *done = true;
  watchdog.cancel();
  co_return r;
}

bool FrameConnection::send(std::string frame) {
  if (closed_ || closing_) return false;
  queued_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(executor(), write_loop(shared_from_this()), [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("connection writer failed: {}", ex.what());
        }
      }
    });
  }
  return true;
}

asio::awaitable<void> FrameConnection::write_loop(std::shared_ptr<FrameConnection> self) {
  std::vector<asio::const_buffer> buffers;
  while (!self->queue_.empty() && !self->closed_) {
    // Gather what is queued now into one write; frames queued meanwhile go next round.
    size_t count = std::min<size_t>(self->queue_.size(), 64);
    buffers.clear();
    size_t bytes = 0;
    for (size_t i = 0; i < count; ++i) {
      buffers.push_back(asio::buffer(self->queue_[i]));
      bytes += self->queue_[i].size();
    }
    boost::system::error_code ec;
    co_await asio::async_write(self->stream_, buffers, asio::redirect_error(asio::use_awaitable, ec));
    // close() may have run meanwhile (the reader saw the peer go); it leaves the queue
    // to us while a write is in progress, because `buffers` point into it.
    if (ec || self->closed_) {
      self->close();
      break;
    }
    for (size_t i = 0; i < count; ++i) self->queue_.pop_front();
    self->queued_bytes_ -= bytes;
    self->wake_waiters();
  }
  self->writing_ = false;
  if (self->closed_) {
    self->queue_.clear();
    self->queued_bytes_ = 0;
  }
  if (self->closing_ && !self->closed_) {
    // Best effort: the ERROR frame has been written; tell TLS we are done, then close.
    boost::system::error_code ec;
    self->stream_.lowest_layer().shutdown(tcp::socket::shutdown_send, ec);
    self->close();
  }
}

asio::awaitable<void> FrameConnection::wait_writable(size_t low_watermark) {
  auto self = shared_from_this();
  while (!closed_ && queued_bytes_ >= low_watermark) {
    boost::system::error_code ec;
    co_await drained_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void FrameConnection::wake_waiters() {
  drained_.cancel();
}

void FrameConnection::fail(wire::Errc code, const std::string& text) {
  if (closed_ || closing_) return;
  send(wire::encode(wire::Error{code, text}));
  closing_ = true;
}

void FrameConnection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  stream_.lowest_layer().close(ec);
  if (!writing_) {  // else the writer owns the queue until its write returns
    queue_.clear();
    queued_bytes_ = 0;
  }
  wake_waiters();
}

bool is_normal_close(const std::error_code& ec) {
  static const std::error_code kEof = boost::system::error_code(asio::error::eof);
  static const std::error_code kAborted = boost::system::error_code(asio::error::operation_aborted);
  static const std::error_code kBadDescriptor = boost::system::error_code(asio::error::bad_descriptor);
  static const std::error_code kShortRead = boost::system::error_code(asio::ssl::error::stream_truncated);
  return ec == kEof || ec == kAborted || ec == kBadDescriptor || ec == kShortRead ||
         ec == std::errc::not_connected;
}

asio::awaitable<std::error_code> handshake(TlsStream& stream,
                                           asio::ssl::stream_base::handshake_type type,
                                           std::chrono::milliseconds timeout) {
  // The watchdog may already be queued when the handshake finishes, so it checks a
  // shared flag rather than touching this frame or the stream after we return.
  struct State {
    bool done = false;
    bool timed_out = false;
  };
  auto state = std::make_shared<State>();
  asio::steady_timer watchdog(stream.get_executor());
  watchdog.expires_after(timeout);
  watchdog.async_wait([state, &stream](boost::system::error_code ec) {
    if (!ec && !state->done) {
      state->timed_out = true;
      boost::system::error_code ignored;
      stream.lowest_layer().close(ignored);
    }
  });
  boost::system::error_code ec;
  co_await stream.async_handshake(type, asio::redirect_error(asio::use_awaitable, ec));
  state->done = true;
  watchdog.cancel();
  if (state->timed_out) co_return std::make_error_code(std::errc::timed_out);
  co_return std::error_code(ec);
}

}  // namespace ferry::net
