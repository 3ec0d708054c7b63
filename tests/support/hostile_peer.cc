#include "tests/support/hostile_peer.h"

#include <mutex>

#include "common/base/clock.h"
#include "common/base/crc32c.h"
#include "common/net/tls_server.h"
#include "common/tls/tls_context.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

// Reads frames into `out` until the peer closes, `idle` passes without one, or `until`.
asio::awaitable<void> record(net::FrameConnection& conn, std::chrono::milliseconds idle,
                             std::optional<wire::FrameType> until, Conversation& out) {
  while (true) {
    auto frame = co_await conn.read_frame_within(idle);
    if (!frame) break;
    out.frames.push_back(frame.value());
    if (frame.value().type == until) break;
    if (frame.value().type == wire::FrameType::kError) {
      auto e = wire::decode_error(frame.value().body);
      if (e) out.error = e.value();
    }
  }
}

}  // namespace

bool Conversation::saw(wire::FrameType type) const {
  for (const auto& f : frames) {
    if (f.type == type) return true;
  }
  return false;
}

Conversation converse(uint16_t port, const tls::TlsOptions& identity,
                      std::vector<std::string> frames, std::optional<wire::FrameType> until) {
  asio::io_context io;
  auto ctx = tls::make_client_context(identity);
  if (!ctx) throw std::runtime_error("converse: " + ctx.error().text);
  Conversation out;
  struct Run {
    static asio::awaitable<void> go(asio::io_context& io, asio::ssl::context& ctx, uint16_t port,
                                    std::vector<std::string> frames,
                                    std::optional<wire::FrameType> until, Conversation& out) {
      // Locals, not temporaries: g++ 12 mishandles temporaries in co_await arguments.
      const std::string host = "127.0.0.1";
      const net::SocketTuning tuning;
      auto executor = io.get_executor();
      auto conn =
          co_await net::connect_tls(executor, ctx, host, port, tuning, wire::kDefaultMaxFrameBody,
                                    std::chrono::milliseconds(5000));
      if (!conn) co_return;
      out.connected = true;
      for (auto& f : frames) conn.value()->send(std::move(f));
      const std::chrono::milliseconds idle = until ? 40s : 3s;
      co_await record(*conn.value(), idle, until, out);
    }
  };
  asio::co_spawn(io, Run::go(io, *ctx.value(), port, std::move(frames), until, out),
                 asio::detached);
  io.run_for(until ? 40s : 10s);
  return out;
}

struct FakePeerServer::State {
  std::mutex mu;
  Conversation first;
  bool first_done = false;
  bool first_started = false;
  std::unique_ptr<net::TlsServer> server;
};

FakePeerServer::FakePeerServer(uint16_t port, const tls::TlsOptions& identity, wire::Hello reply)
    : state_(std::make_shared<State>()) {
  auto ctx = tls::make_server_context(identity);
  if (!ctx) throw std::runtime_error("FakePeerServer: " + ctx.error().text);
  state_->server =
      std::make_unique<net::TlsServer>(io_.get_executor(), ctx.value(), net::SocketTuning{},
                                       wire::kDefaultMaxFrameBody, "fake peer");
  if (auto ec = state_->server->listen("127.0.0.1", port)) {
    throw std::runtime_error("FakePeerServer: cannot listen on " + std::to_string(port) + ": " +
                             ec.message());
  }
  auto state = state_;
  state_->server->start(
      [state, reply](std::shared_ptr<net::FrameConnection> conn) -> asio::awaitable<void> {
        {
          std::lock_guard lock(state->mu);
          if (state->first_started) {
            conn->close();
            co_return;
          }
          state->first_started = true;
        }
        Conversation out;
        out.connected = true;
        auto hello = co_await conn->read_frame_within(10s);
        if (hello) {
          out.frames.push_back(hello.value());
          conn->send(wire::encode(reply));
          co_await record(*conn, 10s, std::nullopt, out);
        }
        std::lock_guard lock(state->mu);
        state->first = std::move(out);
        state->first_done = true;
      });
  thread_ = std::thread([this] { io_.run(); });
}

FakePeerServer::~FakePeerServer() {
  io_.stop();
  thread_.join();
  state_->server.reset();  // its acceptor needs io_, which goes before state_
}

Conversation FakePeerServer::first_conversation(std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(state_->mu);
      if (state_->first_done) return state_->first;
    }
    std::this_thread::sleep_for(50ms);
  }
  return {};
}

wire::BatchFrame one_line_batch(const std::string& host, uint64_t seq, std::string line) {
  wire::BatchFrame b;
  b.header.host = host;
  b.header.category = "events";
  b.header.seq = seq;
  b.header.event_count = 1;
  b.payload = std::move(line);
  b.header.raw_size = static_cast<uint32_t>(b.payload.size());
  b.header.payload_size = b.header.raw_size;
  b.header.codec = batch::Codec::kNone;
  b.header.min_time_ms = b.header.max_time_ms = SystemClock::instance().now_ms();
  b.header.payload_crc = crc32c::value(b.payload);
  return b;
}

}  // namespace ferry::testing
