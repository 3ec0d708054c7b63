// Real TLS 1.3 handshakes over loopback between a server and a client context, each
// side a coroutine on one io_context. io_context::run_for bounds every test; nothing
// waits on a sleep.

#include <chrono>
#include <optional>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "common/net/asio.h"
#include "common/tls/cert_factory.h"
#include "common/tls/crl_file.h"
#include "common/tls/errc.h"
#include "common/tls/peer_identity.h"
#include "common/tls/tls_context.h"
#include "tests/support/test_pki.h"

namespace ferry::tls {
namespace {

using SslStream = asio::ssl::stream<tcp::socket>;
constexpr auto kTestDeadline = std::chrono::seconds(10);

// What one side saw. `exchange` is the result of swapping one byte after the handshake:
// in TLS 1.3 the client finishes its handshake before the server has checked the
// client's certificate, so a rejected client only learns of it on its first read.
struct Side {
  bool finished = false;
  boost::system::error_code handshake;
  boost::system::error_code exchange;
  std::optional<Result<PeerIdentity>> peer;
  std::string verify_failure;  // peer_verify_failure() after a failed handshake

  bool connected() const { return finished && !handshake && !exchange; }
};

asio::awaitable<void> exchange_byte(SslStream& stream, bool write_first, Side& side) {
  char byte = 'x';
  boost::system::error_code ec;
  for (int step = 0; step < 2 && !ec; ++step) {
    if ((step == 0) == write_first) {
      co_await asio::async_write(stream, asio::buffer(&byte, 1),
                                 asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await asio::async_read(stream, asio::buffer(&byte, 1),
                                asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  side.exchange = ec;
}

asio::awaitable<void> serve_one(tcp::acceptor& acceptor, asio::ssl::context& context, Side& side) {
  boost::system::error_code ec;
  tcp::socket socket =
      co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    SslStream stream(std::move(socket), context);
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    side.handshake = ec;
    if (ec) side.verify_failure = peer_verify_failure(stream.native_handle());
    if (!ec) {
      side.peer = peer_identity(stream.native_handle());
      co_await exchange_byte(stream, true, side);
    }
  } else {
    side.handshake = ec;
  }
  side.finished = true;
}

asio::awaitable<void> connect_one(tcp::endpoint server, asio::ssl::context& context,
                                  std::string expected_name, Side& side) {
  SslStream stream(co_await asio::this_coro::executor, context);
  boost::system::error_code ec;
  co_await stream.next_layer().async_connect(server, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec && !expected_name.empty()) {
    EXPECT_TRUE(expect_server_name(stream.native_handle(), expected_name));
  }
  if (!ec) {
    co_await stream.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(asio::use_awaitable, ec));
  }
  side.handshake = ec;
  if (ec) side.verify_failure = peer_verify_failure(stream.native_handle());
  if (!ec) {
    side.peer = peer_identity(stream.native_handle());
    co_await exchange_byte(stream, false, side);
  }
  side.finished = true;
}

void report_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    ADD_FAILURE() << "coroutine threw: " << ex.what();
  }
}

struct Handshake {
  Side server;
  Side client;
};

Handshake run_handshake(asio::ssl::context& server_context, asio::ssl::context& client_context,
                        const std::string& expected_name = "") {
  Handshake result;
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  asio::co_spawn(io, serve_one(acceptor, server_context, result.server), report_exception);
  asio::co_spawn(
      io, connect_one(acceptor.local_endpoint(), client_context, expected_name, result.client),
      report_exception);
  io.run_for(kTestDeadline);
  EXPECT_TRUE(result.server.finished) << "server did not finish within the deadline";
  EXPECT_TRUE(result.client.finished) << "client did not finish within the deadline";
  return result;
}

std::shared_ptr<asio::ssl::context> server_context(const TlsOptions& options) {
  auto r = make_server_context(options);
  if (!r) ADD_FAILURE() << r.error().text;
  return r ? r.value() : nullptr;
}

std::shared_ptr<asio::ssl::context> client_context(const TlsOptions& options) {
  auto r = make_client_context(options);
  if (!r) ADD_FAILURE() << r.error().text;
  return r ? r.value() : nullptr;
}

class MtlsHandshakeTest : public ::testing::Test {
 protected:
  testing::TestPki pki_{{RoleClaim::broker("dc1", "broker-1"), RoleClaim::agent("agent-host-1")}};
  testing::TestPki other_pki_{{RoleClaim::broker("dc1", "broker-1"),
                               RoleClaim::agent("agent-host-1")}};  // same names, another CA
};

TEST_F(MtlsHandshakeTest, SucceedsAndEachSideSeesTheOthersIdentity) {
  auto server = server_context(pki_.options("broker-1"));
  auto client = client_context(pki_.options("agent-host-1"));
  ASSERT_TRUE(server && client);
  Handshake h = run_handshake(*server, *client);

  ASSERT_TRUE(h.server.connected())
      << h.server.handshake.message() << " / " << h.server.exchange.message();
  ASSERT_TRUE(h.client.connected())
      << h.client.handshake.message() << " / " << h.client.exchange.message();
  ASSERT_TRUE(h.server.peer && *h.server.peer);
  const PeerIdentity& agent = h.server.peer->value();
  EXPECT_EQ(agent.common_name, "agent-host-1");
  EXPECT_TRUE(agent.holds(RoleClaim::agent("agent-host-1")));
  EXPECT_FALSE(agent.holds(RoleClaim::broker("dc1", "broker-1")));

  ASSERT_TRUE(h.client.peer && *h.client.peer);
  const PeerIdentity& broker = h.client.peer->value();
  EXPECT_EQ(broker.common_name, "broker-1");
  EXPECT_EQ(broker.dns_sans, (std::vector<std::string>{"broker-1", "localhost"}));
  EXPECT_TRUE(broker.holds(RoleClaim::broker("dc1", "broker-1")));
}

TEST_F(MtlsHandshakeTest, ServerRejectsClientCertificateFromAnotherCa) {
  auto server = server_context(pki_.options("broker-1"));
  TlsOptions stranger = other_pki_.options("agent-host-1");
  stranger.ca_file = pki_.ca_file();  // it trusts the server; the server must not trust it
  auto client = client_context(stranger);
  ASSERT_TRUE(server && client);
  Handshake h = run_handshake(*server, *client);

  EXPECT_TRUE(h.server.handshake);
  EXPECT_NE(h.server.handshake.message().find("certificate verify failed"), std::string::npos)
      << h.server.handshake.message();
  EXPECT_FALSE(h.client.connected());
}

TEST_F(MtlsHandshakeTest, ServerRejectsClientWithoutCertificate) {
  auto server = server_context(pki_.options("broker-1"));
  // make_client_context always loads a certificate, so build the anonymous client by hand.
  asio::ssl::context anonymous(asio::ssl::context::tls_client);
  anonymous.load_verify_file(pki_.ca_file());
  anonymous.set_verify_mode(asio::ssl::verify_peer);
  ASSERT_TRUE(server);
  Handshake h = run_handshake(*server, anonymous);

  EXPECT_TRUE(h.server.handshake);
  EXPECT_NE(h.server.handshake.message().find("did not return a certificate"), std::string::npos)
      << h.server.handshake.message();
  EXPECT_FALSE(h.client.connected());
}

TEST_F(MtlsHandshakeTest, ClientRefusesServerCertificateFromAnotherCa) {
  TlsOptions impostor = other_pki_.options("broker-1");
  impostor.ca_file = pki_.ca_file();  // it would accept the client; the client must refuse it
  auto server = server_context(impostor);
  auto client = client_context(pki_.options("agent-host-1"));
  ASSERT_TRUE(server && client);
  Handshake h = run_handshake(*server, *client);

  EXPECT_TRUE(h.client.handshake);
  EXPECT_NE(h.client.handshake.message().find("certificate verify failed"), std::string::npos)
      << h.client.handshake.message();
  EXPECT_TRUE(h.server.handshake);
}

TEST_F(MtlsHandshakeTest, ExpectedServerNameIsChecked) {
  auto server = server_context(pki_.options("broker-1"));
  auto client = client_context(pki_.options("agent-host-1"));
  ASSERT_TRUE(server && client);

  EXPECT_TRUE(run_handshake(*server, *client, "broker-1").client.connected());
  EXPECT_TRUE(run_handshake(*server, *client, "127.0.0.1").client.connected());
  Handshake wrong = run_handshake(*server, *client, "broker-2");
  EXPECT_TRUE(wrong.client.handshake);
  EXPECT_FALSE(wrong.server.connected());
  EXPECT_TRUE(run_handshake(*server, *client, "127.0.0.2").client.handshake);
}

TEST_F(MtlsHandshakeTest, ServerRefusesTls12Client) {
  auto server = server_context(pki_.options("broker-1"));
  auto client = client_context(pki_.options("agent-host-1"));
  ASSERT_TRUE(server && client);
  SSL_CTX_set_min_proto_version(client->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(client->native_handle(), TLS1_2_VERSION);
  Handshake h = run_handshake(*server, *client);
  EXPECT_TRUE(h.server.handshake);
  EXPECT_TRUE(h.client.handshake);
}

// Revocation: [tls] crl names a CRL of the CA (ferryctl certs --revoke writes one).
class MtlsRevocationTest : public MtlsHandshakeTest {
 protected:
  TlsOptions with_crl(const std::string& identity) {
    TlsOptions options = pki_.options(identity);
    options.crl_file = (pki_.dir() / "ca.crl").string();
    return options;
  }
};

TEST_F(MtlsRevocationTest, ServerRefusesRevokedClientNamingTheReason) {
  ASSERT_TRUE(revoke_dev_certs(pki_.dir(), {"agent-host-1"}));
  auto server = server_context(with_crl("broker-1"));
  auto client = client_context(pki_.options("agent-host-1"));
  ASSERT_TRUE(server && client);
  Handshake h = run_handshake(*server, *client);

  EXPECT_TRUE(h.server.handshake);
  EXPECT_EQ(h.server.verify_failure, "certificate revoked");
  EXPECT_FALSE(h.client.connected());
}

TEST_F(MtlsRevocationTest, ClientRefusesRevokedServer) {
  ASSERT_TRUE(revoke_dev_certs(pki_.dir(), {"broker-1"}));
  auto server = server_context(pki_.options("broker-1"));
  auto client = client_context(with_crl("agent-host-1"));
  ASSERT_TRUE(server && client);
  Handshake h = run_handshake(*server, *client);

  EXPECT_TRUE(h.client.handshake);
  EXPECT_EQ(h.client.verify_failure, "certificate revoked");
}

TEST_F(MtlsRevocationTest, PeersNotRevokedStillConnect) {
  ASSERT_TRUE(revoke_dev_certs(pki_.dir(), {"broker-1"}));  // not the one connecting
  auto server = server_context(with_crl("broker-1"));
  auto client = client_context(pki_.options("agent-host-1"));
  ASSERT_TRUE(server && client);
  Handshake h = run_handshake(*server, *client);

  EXPECT_TRUE(h.server.connected()) << h.server.handshake.message();
  EXPECT_TRUE(h.client.connected()) << h.client.handshake.message();
}

}  // namespace
}  // namespace ferry::tls
