// A real broker bounds what hostile or broken peers can hold (DESIGN §2.4, §2.6): a
// peer that never reads its replies is dropped before its queue grows without bound,
// idle and slow-drip connections are closed after their timeouts, one address cannot
// take more than its share of connections — and a real agent keeps delivering meanwhile.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "common/net/tls_server.h"
#include "common/tls/tls_context.h"
#include "common/wire/messages.h"
#include "tests/support/mini_cluster.h"
#include "tests/support/proc_stats.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

tls::TlsOptions identity_of(const MiniCluster& cluster, const std::string& id) {
  std::string certs = cluster.dir().file("certs");
  return {certs + "/" + id + ".crt", certs + "/" + id + ".key", certs + "/ca.crt"};
}

std::string agent_hello(const std::string& host) {
  return wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, host, "dc1"});
}

bool log_has(const MiniCluster& cluster, const std::string& name, const std::string& text) {
  return read_file(cluster.log(name)).find(text) != std::string::npos;
}

// --- a peer that sends HEARTBEATs and never reads the replies -----------------------

struct FloodOutcome {
  bool connected = false;
  uint64_t sent = 0;
  bool dropped = false;  // the broker closed the connection
};

// A TLS connection to the broker's agent port on 127.0.0.1.
asio::awaitable<Result<std::shared_ptr<net::FrameConnection>>> dial(asio::any_io_executor executor,
                                                                    asio::ssl::context& ctx,
                                                                    uint16_t port) {
  // Locals, not temporaries: g++ 12 mishandles temporaries in co_await arguments.
  const std::string host = "127.0.0.1";
  const net::SocketTuning tuning;
  co_return co_await net::connect_tls(executor, ctx, host, port, tuning, wire::kDefaultMaxFrameBody,
                                      5000ms);
}

asio::awaitable<void> flood_heartbeats(asio::io_context& io, asio::ssl::context& ctx, uint16_t port,
                                       uint64_t total, FloodOutcome& out) {
  auto executor = io.get_executor();
  auto conn = co_await dial(executor, ctx, port);
  if (!conn) co_return;
  out.connected = true;
  auto& c = *conn.value();
  c.send(agent_hello("h1"));
  std::string chunk;
  for (int i = 0; i < 10'000; ++i) chunk += wire::encode(wire::Heartbeat{i});
  while (out.sent < total && c.usable()) {
    c.send(chunk);
    out.sent += chunk.size();
    co_await c.wait_writable(1u << 20);  // our own queue stays small; the broker's is the test
  }
  // We read nothing, so we learn of a close only by writing: keep writing a little.
  asio::steady_timer t(executor);
  for (int i = 0; i < 100 && c.usable(); ++i) {
    c.send(wire::encode(wire::Heartbeat{i}));
    t.expires_after(100ms);
    co_await t.async_wait(asio::use_awaitable);
  }
  out.dropped = !c.usable();
}

TEST(BrokerConnectionLimitsTest, PeerThatNeverReadsItsRepliesIsDroppedAndMemoryStaysBounded) {
  MiniCluster cluster(
      {.brokers = 1, .agents = 1, .broker_tables = "[connections]\nmax_write_queue = \"8MiB\""});
  cluster.start("consumer");
  cluster.start("broker-1");
  ASSERT_TRUE(
      wait_until([&] { return log_has(cluster, "broker-1", "listening for agents"); }, 20s));
  const pid_t broker = cluster.pid("broker-1");
  std::this_thread::sleep_for(1s);
  const uint64_t baseline = rss_bytes(broker);

  std::atomic<bool> done{false};
  std::atomic<uint64_t> peak{baseline};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max<uint64_t>(peak, rss_bytes(broker));
      std::this_thread::sleep_for(20ms);
    }
  });
  // 48 MB of HEARTBEATs: 2 million replies, which used to take the broker from 20 MB to
  // 174 MB, for good.
  FloodOutcome out;
  {
    asio::io_context io;
    auto ctx = tls::make_client_context(identity_of(cluster, "h1"));
    ASSERT_TRUE(ctx);
    asio::co_spawn(io, flood_heartbeats(io, *ctx.value(), cluster.broker_port(1), 48u << 20, out),
                   asio::detached);
    io.run_for(120s);
  }
  std::this_thread::sleep_for(2s);
  done = true;
  sampler.join();
  const uint64_t after = rss_bytes(broker);

  std::printf(
      "sent %llu bytes of HEARTBEATs; broker RSS %llu MB, peak %llu MB, after %llu MB\n",
      static_cast<unsigned long long>(out.sent), static_cast<unsigned long long>(baseline >> 20),
      static_cast<unsigned long long>(peak >> 20), static_cast<unsigned long long>(after >> 20));
  ASSERT_TRUE(out.connected);
  EXPECT_TRUE(out.dropped) << "sent " << out.sent
                           << " bytes and the broker still held the connection";
  EXPECT_LT(peak - baseline, 40u << 20) << "baseline " << baseline << ", peak " << peak;
  EXPECT_LT(after, baseline + (16u << 20)) << "baseline " << baseline << ", after " << after;
  EXPECT_TRUE(cluster.running("broker-1"));
  EXPECT_TRUE(log_has(cluster, "broker-1", "peer does not read its replies"))
      << read_file(cluster.log("broker-1"));
}

// --- idle TCP connections, slow-drip senders, one address's share ---------------------

// Lowers the soft open-file limit that children inherit, for the scope.
class ScopedOpenFileLimit {
 public:
  explicit ScopedOpenFileLimit(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min(soft, saved_.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lowered);
  }
  ~ScopedOpenFileLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_{};
};

// `count` TCP connections from `source` that never start TLS.
class IdleConnections {
 public:
  IdleConnections(const char* source, uint16_t port, int count) {
    for (int i = 0; i < count; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) break;
      sockaddr_in from{};
      from.sin_family = AF_INET;
      inet_pton(AF_INET, source, &from.sin_addr);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port);
      inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
          (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 &&
           errno != EINPROGRESS)) {
        ::close(fd);
        continue;
      }
      fds_.push_back(fd);
    }
  }
  ~IdleConnections() {
    for (int fd : fds_) ::close(fd);
  }
  size_t opened() const { return fds_.size(); }
  // Connections the broker has closed or reset.
  size_t closed_by_peer() const {
    size_t n = 0;
    for (int fd : fds_) {
      pollfd p{fd, POLLIN | POLLRDHUP, 0};
      if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLRDHUP))) ++n;
    }
    return n;
  }

 private:
  std::vector<int> fds_;
};

// A TLS client that drips `dripped` a byte at a time, after a whole HELLO if `hello`
// is set, and notes the ERROR the broker ends it with.
struct DripOutcome {
  bool connected = false;
  std::optional<wire::Error> error;
  Clock::duration until_error{};
};

asio::awaitable<void> read_until_error(std::shared_ptr<net::FrameConnection> conn,
                                       Clock::time_point start, DripOutcome& out) {
  while (true) {
    auto frame = co_await conn->read_frame();
    if (!frame) co_return;
    if (frame.value().type == wire::FrameType::kError) {
      auto e = wire::decode_error(frame.value().body);
      if (e) out.error = e.value();
      out.until_error = Clock::now() - start;
      co_return;
    }
  }
}

asio::awaitable<void> drip(asio::io_context& io, asio::ssl::context& ctx, uint16_t port,
                           std::optional<std::string> hello, std::string dripped,
                           DripOutcome& out) {
  auto executor = io.get_executor();
  auto conn = co_await dial(executor, ctx, port);
  if (!conn) co_return;
  out.connected = true;
  auto c = conn.value();
  if (hello) {
    c->send(*hello);
    auto answer = co_await c->read_frame_within(5000ms);  // the broker's HELLO
    if (!answer) co_return;
  }
  asio::co_spawn(executor, read_until_error(c, Clock::now(), out), asio::detached);
  asio::steady_timer t(executor);
  for (char byte : dripped) {
    if (out.error || !c->usable()) break;
    c->send(std::string(1, byte));
    t.expires_after(250ms);
    co_await t.async_wait(asio::use_awaitable);
  }
}

DripOutcome run_drip(const MiniCluster& cluster, const std::string& identity,
                     std::optional<std::string> hello, std::string dripped) {
  DripOutcome out;
  asio::io_context io;
  auto ctx = tls::make_client_context(identity_of(cluster, identity));
  if (!ctx) return out;
  asio::co_spawn(
      io, drip(io, *ctx.value(), cluster.broker_port(1), std::move(hello), std::move(dripped), out),
      asio::detached);
  io.run_for(25s);
  return out;
}

TEST(BrokerConnectionLimitsTest, IdleAndSlowPeersAreCappedAndTimedOutWhileAnAgentDelivers) {
  MiniCluster cluster(
      {.brokers = 1,
       .agents = 3,
       .broker_tables =
           "[connections]\nmax_connections_per_address = 200\n"
           "handshake_timeout = \"2s\"\nhello_timeout = \"2s\"\nidle_timeout = \"3s\""});
  cluster.start("consumer");
  {
    // The broker starts with the soft limit many hosts default to; it must raise it.
    ScopedOpenFileLimit low(1024);
    cluster.start("broker-1");
  }
  ASSERT_TRUE(
      wait_until([&] { return log_has(cluster, "broker-1", "listening for agents"); }, 20s));

  // 1,000 connections from a second address (127.0.0.2) that never say a word: the first
  // 200 wait for their handshake timeout, the rest are refused at once.
  IdleConnections idle("127.0.0.2", cluster.broker_port(1), 1000);
  ASSERT_EQ(idle.opened(), 1000u);
  // Slow drips: a HELLO, and after a whole HELLO a HEARTBEAT, a byte every 250 ms.
  DripOutcome before_hello, after_hello;
  std::thread drip1(
      [&] { before_hello = run_drip(cluster, "h2", std::nullopt, agent_hello("h2")); });
  std::thread drip2([&] {
    std::string beats;
    for (int i = 0; i < 3; ++i) beats += wire::encode(wire::Heartbeat{i});
    after_hello = run_drip(cluster, "h3", agent_hello("h3"), beats);
  });

  // Meanwhile a real agent connects and delivers.
  cluster.start("agent-1");
  std::set<std::string> expected;
  {
    std::ofstream in(cluster.input_file(1), std::ios::app);
    for (int i = 0; i < 200; ++i) {
      std::string line = syslog_line("h1", "idle-flood line " + std::to_string(i));
      in << line;
      expected.insert(line.substr(0, line.size() - 1));
    }
  }
  std::this_thread::sleep_for(1s);
  const size_t refused_early = idle.closed_by_peer();
  const bool delivered = wait_until(
      [&] {
        auto lines = cluster.delivered_lines();
        size_t found = 0;
        for (const auto& l : lines) found += expected.count(l);
        return found == expected.size();
      },
      40s);
  drip1.join();
  drip2.join();
  const bool all_closed = wait_until([&] { return idle.closed_by_peer() == idle.opened(); }, 15s);

  std::printf(
      "refused at once: %zu of %zu; drips cut after %lld ms (before HELLO), %lld ms (after)\n",
      refused_early, idle.opened(),
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(before_hello.until_error).count()),
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(after_hello.until_error).count()));
  EXPECT_TRUE(delivered) << "the agent's lines did not arrive while idle connections were held";
  EXPECT_GE(refused_early, 700u) << "the per-address cap (200) let more in";
  EXPECT_LE(refused_early, 900u) << "the per-address cap (200) let too few in";
  EXPECT_TRUE(all_closed) << idle.closed_by_peer() << " of " << idle.opened()
                          << " idle connections closed";

  ASSERT_TRUE(before_hello.connected);
  ASSERT_TRUE(before_hello.error) << "a HELLO dripped a byte at a time was never cut off";
  EXPECT_EQ(before_hello.error->code, wire::Errc::kProtocolViolation);
  EXPECT_NE(before_hello.error->text.find("no HELLO"), std::string::npos)
      << before_hello.error->text;
  EXPECT_LT(before_hello.until_error, 8s);
  ASSERT_TRUE(after_hello.connected);
  ASSERT_TRUE(after_hello.error)
      << "a frame dripped a byte at a time after HELLO was never cut off";
  EXPECT_EQ(after_hello.error->code, wire::Errc::kProtocolViolation);
  EXPECT_NE(after_hello.error->text.find("idle"), std::string::npos) << after_hello.error->text;
  EXPECT_LT(after_hello.until_error, 8s);

  EXPECT_TRUE(cluster.running("broker-1"));
  const std::string log = read_file(cluster.log("broker-1"));
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_max > 1024) {
    EXPECT_NE(log.find("open-file limit raised from 1024"), std::string::npos) << log;
  }
  EXPECT_NE(log.find("refusing connection from 127.0.0.2: address full"), std::string::npos);
  EXPECT_NE(log.find("TLS handshake with 127.0.0.2 failed"), std::string::npos);
  EXPECT_NE(log.find("no HELLO within"), std::string::npos);
  EXPECT_NE(log.find("idle: no frame for"), std::string::npos);
}

}  // namespace
}  // namespace ferry::testing
