#include "common/net/frame_connection.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/base/memory_release.h"
#include "common/wire/messages.h"

namespace ferry::net {

namespace {
// A read returns at most one TLS record (16 KB of plaintext), so a larger buffer would
// never fill.
constexpr size_t kReadChunk = 16 * 1024;
// What an idle connection waits with: a HEARTBEAT or an ack fits, and a frame's header
// tells how much more to take.
constexpr size_t kIdleRead = 512;
// After fail(), how long the peer has to take its ERROR before we close regardless.
constexpr auto kFailGrace = std::chrono::seconds(2);
// A queue that peaked above this hands its memory back when it drains.
constexpr size_t kReleaseAfterPeak = 4u << 20;

std::string seconds_text(std::chrono::milliseconds d) {
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}
}  // namespace

FrameConnection::FrameConnection(TlsStream stream, uint32_t max_frame_body)
    : stream_(std::move(stream)),
      decoder_(max_frame_body),
      watchdog_(stream_.get_executor()),
      drained_(stream_.get_executor()) {
  boost::system::error_code ec;
  auto ep = stream_.lowest_layer().remote_endpoint(ec);
  remote_ = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  drained_.expires_at(asio::steady_timer::time_point::max());
}

asio::awaitable<Result<wire::Frame>> FrameConnection::read_frame_or_fail() {
  auto frame = co_await read_frame();
  if (!frame) {
    const auto& ec = frame.error();
    if (ec.category() == wire::wire_category()) {
      fail(static_cast<wire::Errc>(ec.value()), ec.message());
    } else {
      close();
    }
  }
  co_return frame;
}

asio::awaitable<Result<wire::Frame>> FrameConnection::read_frame() {
  while (true) {
    auto next = decoder_.next();
    if (!next) {
      stopped_waiting();
      co_return next.error();
    }
    if (next.value()) {
      stopped_waiting();
      ++frames_read_;
      co_return std::move(*next.value());
    }
    if (closed_) {
      stopped_waiting();
      co_return make_error_code(std::errc::not_connected);
    }
    started_waiting();  // a peer dripping bytes of a frame does not restart the clock
    // Sized to what the frame under way still needs: thousands of idle connections hold
    // a small buffer each, not a chunk (and nothing in the decoder).
    decoder_.release_if_empty();
    std::string buf(std::clamp(decoder_.wanted(), kIdleRead, kReadChunk), '\0');
    boost::system::error_code ec;
    size_t n = co_await stream_.async_read_some(asio::buffer(buf),
                                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      stopped_waiting();
      co_return std::error_code(ec);
    }
    decoder_.feed(std::string_view(buf.data(), n));
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
  if (max_queued_ > 0 &&
      queued_bytes_ + frame.size() + (queue_.size() + 1) * kQueuedFrameOverhead > max_queued_) {
    fail_unread_replies();
    return false;
  }
  enqueue(std::move(frame));
  return true;
}

void FrameConnection::enqueue(std::string frame) {
  queued_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  peak_queued_ = std::max(peak_queued_, queued_bytes_ + queue_.size() * kQueuedFrameOverhead);
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
}

void FrameConnection::fail_unread_replies() {
  std::string why =
      fmt::format("peer does not read its replies: {} bytes in {} frames queued for it (limit {})",
                  queued_bytes_, queue_.size(), max_queued_);
  spdlog::error("{}: {}; closing", remote_, why);
  drop_unwritten();
  fail(wire::Errc::kOverloaded, why);
}

void FrameConnection::drop_unwritten() {
  while (queue_.size() > in_write_) {
    queued_bytes_ -= queue_.back().size();
    queue_.pop_back();
  }
  release_queue_memory();
}

void FrameConnection::release_queue_memory() {
  if (peak_queued_ < kReleaseAfterPeak) return;
  peak_queued_ = queued_bytes_ + queue_.size() * kQueuedFrameOverhead;
  // std::deque keeps its block map at the peak's size; a fresh one starts small.
  if (queue_.empty()) std::deque<std::string>().swap(queue_);
  release_free_memory();
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
    self->in_write_ = count;
    boost::system::error_code ec;
    co_await asio::async_write(self->stream_, buffers,
                               asio::redirect_error(asio::use_awaitable, ec));
    // close() may have run meanwhile (the reader saw the peer go); it leaves the queue
    // to us while a write is in progress, because `buffers` point into it.
    if (ec || self->closed_) {
      self->close();
      break;
    }
    for (size_t i = 0; i < count; ++i) self->queue_.pop_front();
    self->in_write_ = 0;
    self->queued_bytes_ -= bytes;
    self->wake_waiters();
  }
  self->writing_ = false;
  self->in_write_ = 0;
  if (self->closed_) {
    self->queue_.clear();
    self->queued_bytes_ = 0;
  }
  self->release_queue_memory();
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

void FrameConnection::wake_waiters() { drained_.cancel(); }

void FrameConnection::fail(wire::Errc code, const std::string& text) {
  if (closed_ || closing_) return;
  enqueue(wire::encode(wire::Error{code, text}));
  closing_ = true;
  // A peer that reads nothing would keep the writer, and us, waiting for ever.
  close_by_ = std::chrono::steady_clock::now() + kFailGrace;
  arm_watchdog(*close_by_);
}

void FrameConnection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  stream_.lowest_layer().close(ec);
  watchdog_.cancel();
  if (!writing_) {  // else the writer owns the queue until its write returns
    queue_.clear();
    queued_bytes_ = 0;
    release_queue_memory();
  }
  wake_waiters();
}

void FrameConnection::watch_reads(std::chrono::milliseconds first_frame,
                                  std::chrono::milliseconds later_frames) {
  first_frame_timeout_ = first_frame;
  frame_timeout_ = later_frames;
}

void FrameConnection::started_waiting() {
  if (waiting_since_ || frame_timeout_.count() <= 0) return;
  waiting_since_ = std::chrono::steady_clock::now();
  arm_watchdog(*waiting_since_ + (frames_read_ == 0 ? first_frame_timeout_ : frame_timeout_));
}

void FrameConnection::stopped_waiting() { waiting_since_.reset(); }

void FrameConnection::arm_watchdog(SteadyTime when) {
  if (closed_ || (watchdog_armed_ && watchdog_.expiry() <= when)) return;
  watchdog_armed_ = true;
  watchdog_.expires_at(when);
  watchdog_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;  // re-armed or closed
    auto self = weak.lock();
    if (!self) return;
    self->watchdog_armed_ = false;
    self->check_deadlines();
  });
}

void FrameConnection::check_deadlines() {
  if (closed_) return;
  auto now = std::chrono::steady_clock::now();
  if (close_by_) {
    if (now >= *close_by_) {
      spdlog::warn("{}: peer did not take its ERROR within {}; closing", remote_,
                   seconds_text(std::chrono::duration_cast<std::chrono::milliseconds>(kFailGrace)));
      close();
      return;
    }
    arm_watchdog(*close_by_);
  }
  if (!waiting_since_ || closing_) return;
  const bool before_hello = frames_read_ == 0;
  const auto limit = before_hello ? first_frame_timeout_ : frame_timeout_;
  if (now - *waiting_since_ < limit) {
    arm_watchdog(*waiting_since_ + limit);
    return;
  }
  std::string why = before_hello ? "no HELLO within " + seconds_text(limit)
                                 : "idle: no frame for " + seconds_text(limit);
  spdlog::warn("{}: {}; closing", remote_, why);
  fail(wire::Errc::kProtocolViolation, why);
}

bool is_normal_close(const std::error_code& ec) {
  static const std::error_code kEof = boost::system::error_code(asio::error::eof);
  static const std::error_code kAborted = boost::system::error_code(asio::error::operation_aborted);
  static const std::error_code kBadDescriptor =
      boost::system::error_code(asio::error::bad_descriptor);
  static const std::error_code kShortRead =
      boost::system::error_code(asio::ssl::error::stream_truncated);
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
