#include "tools/ferryctl/agent_swarm.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "common/base/clock.h"
#include "common/base/crc32c.h"
#include "common/net/hello_exchange.h"
#include "common/net/server_limits.h"
#include "common/tls/tls_error.h"
#include "common/wire/messages.h"

namespace ferry::ferryctl {
namespace {

constexpr const char* kCategory = "bench";

std::shared_ptr<asio::ssl::context> client_context(const std::string& ca_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
  // Thousands of idle links: OpenSSL's 17 KB read and write buffers only while in use.
  SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  boost::system::error_code ec;
  ctx->load_verify_file(ca_file, ec);
  if (ec) throw std::runtime_error("cannot load CA " + ca_file + ": " + ec.message());
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

// The host's certificate and key on this connection's SSL, not on the shared context.
bool use_identity(SSL* ssl, const tls::PemIdentity& id) {
  BIO* crt = BIO_new_mem_buf(id.cert_pem.data(), static_cast<int>(id.cert_pem.size()));
  BIO* key = BIO_new_mem_buf(id.key_pem.data(), static_cast<int>(id.key_pem.size()));
  X509* cert = crt ? PEM_read_bio_X509(crt, nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* pkey = key ? PEM_read_bio_PrivateKey(key, nullptr, nullptr, nullptr) : nullptr;
  const bool ok =
      cert && pkey && SSL_use_certificate(ssl, cert) == 1 && SSL_use_PrivateKey(ssl, pkey) == 1;
  X509_free(cert);
  EVP_PKEY_free(pkey);
  BIO_free(crt);
  BIO_free(key);
  return ok;
}

// Ten lines stamped now, as an agent that has just started tailing would send them.
std::string batch_frame(const std::string& host) {
  wire::BatchFrame b;
  b.header.host = host;
  b.header.category = kCategory;
  b.header.seq = 1;
  b.header.incarnation = 1;
  for (int i = 0; i < 10; ++i) {
    b.payload +=
        "<134>bench " + host + " line " + std::to_string(i) + " of the one batch this host sends\n";
  }
  b.header.event_count = 10;
  b.header.raw_size = static_cast<uint32_t>(b.payload.size());
  b.header.payload_size = b.header.raw_size;
  b.header.codec = batch::Codec::kNone;
  b.header.min_time_ms = b.header.max_time_ms = SystemClock::instance().now_ms();
  b.header.payload_crc = crc32c::value(b.payload);
  return wire::encode(b);
}

}  // namespace

struct AgentSwarm::Link {
  std::shared_ptr<net::FrameConnection> conn;
  bool batch_sent = false;
  bool answered = false;  // STORED, DELIVERED or a failure after the batch was sent
  bool failed = false;
};

AgentSwarm::AgentSwarm(asio::io_context& io, SwarmOptions options)
    : io_(io), o_(std::move(options)), tls_(client_context(o_.ca_file)), changed_(io) {
  if (o_.identities.size() != o_.hosts.size()) throw std::invalid_argument("one identity per host");
  for (size_t i = 0; i < o_.hosts.size(); ++i) links_.push_back(std::make_unique<Link>());
  changed_.expires_at(asio::steady_timer::time_point::max());
}

AgentSwarm::~AgentSwarm() { close_all(); }

void AgentSwarm::progress() { changed_.cancel(); }

void AgentSwarm::fail(size_t index, const std::string& why) {
  Link& l = *links_[index];
  if (l.failed) return;
  l.failed = true;
  ++failed_;
  if (l.batch_sent && !l.answered) {
    l.answered = true;
    ++batches_answered_;
  }
  if (first_error_.empty()) first_error_ = o_.hosts[index] + ": " + why;
  if (l.conn) l.conn->close();
  progress();
}

asio::awaitable<void> AgentSwarm::connect_all() {
  // From the start: the first hosts wait for the last, and must not fall silent meanwhile.
  asio::co_spawn(io_, heartbeats(), asio::detached);
  workers_ = std::min(o_.parallel, links_.size());
  for (size_t w = 0; w < workers_; ++w) asio::co_spawn(io_, connect_worker(), asio::detached);
  while (workers_ > 0) {
    boost::system::error_code ec;
    co_await changed_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    changed_.expires_at(asio::steady_timer::time_point::max());
  }
}

asio::awaitable<void> AgentSwarm::connect_worker() {
  while (next_ < links_.size() && !closing_) co_await connect_one(next_++);
  --workers_;
  progress();
}

asio::awaitable<void> AgentSwarm::connect_one(size_t index) {
  boost::system::error_code ec;
  const auto broker = asio::ip::make_address(o_.broker_host, ec);
  if (ec) {
    fail(index, "broker address " + o_.broker_host + ": " + ec.message());
    co_return;
  }
  tcp::socket socket(io_);
  socket.open(broker.is_v4() ? tcp::v4() : tcp::v6(), ec);
  if (!ec && broker.is_loopback() && broker.is_v4()) {
    const auto source =
        asio::ip::address_v4(0x7f000001u + static_cast<uint32_t>(index / kPerSourceAddress));
    socket.bind(tcp::endpoint(source, 0), ec);
  }
  if (ec) {
    fail(index, "socket: " + ec.message());
    co_return;
  }
  asio::steady_timer watchdog(io_);
  watchdog.expires_after(o_.timeout);
  watchdog.async_wait([&socket](boost::system::error_code wec) {
    boost::system::error_code ignored;
    if (!wec) socket.close(ignored);
  });
  co_await socket.async_connect(tcp::endpoint(broker, o_.broker_port),
                                asio::redirect_error(asio::use_awaitable, ec));
  watchdog.cancel();
  if (ec) {
    fail(index, "connect: " + ec.message());
    co_return;
  }
  net::TlsStream stream(std::move(socket), *tls_);
  if (!use_identity(stream.native_handle(), o_.identities[index])) {
    fail(index, "cannot use its certificate: " + tls::take_openssl_errors());
    co_return;
  }
  if (auto hs = co_await net::handshake(stream, asio::ssl::stream_base::client, o_.timeout)) {
    fail(index, "TLS handshake: " + hs.message());
    co_return;
  }
  auto conn = std::make_shared<net::FrameConnection>(std::move(stream), wire::kDefaultMaxFrameBody);
  links_[index]->conn = conn;
  net::HelloPolicy policy;
  policy.local = wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, o_.hosts[index], o_.dc};
  policy.expected_peer_role = wire::Role::kBroker;
  policy.required_peer_dc = o_.dc;
  policy.timeout = o_.timeout;
  auto hello = co_await net::offer_hello(*conn, policy);
  if (!hello) {
    fail(index, "HELLO: " + hello.error().message());
    co_return;
  }
  conn->send(wire::encode(wire::Status{o_.hosts[index], SystemClock::instance().now_ms(), {}}));
  ++connected_;
  asio::co_spawn(io_, read_loop(index), asio::detached);
}

asio::awaitable<void> AgentSwarm::read_loop(size_t index) {
  auto conn = links_[index]->conn;
  while (conn->usable()) {
    auto frame = co_await conn->read_frame();
    Link& l = *links_[index];
    if (!frame) {
      if (!closing_) fail(index, "connection lost: " + frame.error().message());
      co_return;
    }
    switch (frame.value().type) {
      case wire::FrameType::kStored:
      case wire::FrameType::kDelivered:
        if (l.batch_sent && !l.answered) {
          l.answered = true;
          ++stored_;
          ++batches_answered_;
          progress();
        }
        break;
      case wire::FrameType::kError: {
        auto e = wire::decode_error(frame.value().body);
        fail(index, "broker sent ERROR: " + (e ? e.value().text : std::string("(malformed)")));
        co_return;
      }
      case wire::FrameType::kRefused:
        fail(index, "broker refused the batch");
        co_return;
      default:
        break;  // HEARTBEAT replies, and whatever a broker sends agents that we do not play
    }
  }
}

asio::awaitable<void> AgentSwarm::send_batches(std::chrono::milliseconds timeout) {
  size_t sent = 0;
  for (size_t i = 0; i < links_.size(); ++i) {
    Link& l = *links_[i];
    if (l.failed || !l.conn || !l.conn->usable()) continue;
    l.batch_sent = true;
    ++sent;
    if (!l.conn->send(batch_frame(o_.hosts[i]))) fail(i, "cannot queue its batch");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (batches_answered_ < sent && std::chrono::steady_clock::now() < deadline) {
    changed_.expires_at(deadline);
    boost::system::error_code ec;
    co_await changed_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  changed_.expires_at(asio::steady_timer::time_point::max());
}

asio::awaitable<void> AgentSwarm::heartbeats() {
  asio::steady_timer tick(io_);
  while (!closing_) {
    tick.expires_after(net::kHeartbeatInterval);
    boost::system::error_code ec;
    co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closing_) break;
    const std::string beat = wire::encode(wire::Heartbeat{SystemClock::instance().now_ms()});
    for (auto& l : links_) {
      if (l->conn && l->conn->usable()) l->conn->send(beat);
    }
  }
}

void AgentSwarm::close_all() {
  closing_ = true;
  for (auto& l : links_) {
    if (l->conn) l->conn->close();
  }
  progress();
}

}  // namespace ferry::ferryctl
