// TlsStream under FrameConnection, over real mTLS on loopback: frames of every size go
// both ways intact (a 4 MB frame spans hundreds of TLS records and several read sizes),
// a peer that closes ends the other side's read as an ordinary close, and a read left
// waiting on an idle connection ends when its own side closes.

#include "common/net/tls_stream.h"

#include <gtest/gtest.h>

#include "common/net/frame_connection.h"
#include "common/wire/frame.h"
#include "common/wire/messages.h"
#include "tests/support/frame_connection_pair.h"

namespace ferry::net {
namespace {

using namespace std::chrono_literals;

std::string heartbeat(TimeMs t) { return wire::encode(wire::Heartbeat{t}); }

// A STATUS whose one category name is `bytes` long: a frame of about that size.
std::string big_frame(size_t bytes, char fill) {
  wire::Status st;
  st.host = "h1";
  wire::StreamStatus s;
  s.category = std::string(bytes, fill);
  st.streams.push_back(s);
  return wire::encode(st);
}

TEST(TlsStreamTest, FramesOfEverySizeCrossBothWaysIntact) {
  asio::io_context io;
  auto pairs = testing::make_frame_connection_pairs(io, 1);
  ASSERT_EQ(pairs.size(), 1u);
  testing::FrameInbox at_server(pairs[0].server), at_client(pairs[0].client);
  std::vector<std::string> sent;
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{600}, size_t{16 * 1024}, size_t{70'000}, size_t{4u << 20}}) {
    sent.push_back(size == 0 ? heartbeat(7)
                             : big_frame(size, static_cast<char>('a' + sent.size())));
  }
  for (const auto& f : sent) {
    pairs[0].client->send(f);
    pairs[0].server->send(f);
  }
  std::vector<wire::Frame> got_server, got_client;
  for (int i = 0; i < 100 && (got_server.size() < sent.size() || got_client.size() < sent.size());
       ++i) {
    testing::run_for(io, 100ms);
    for (auto& f : at_server.take()) got_server.push_back(std::move(f));
    for (auto& f : at_client.take()) got_client.push_back(std::move(f));
  }
  ASSERT_EQ(got_server.size(), sent.size());
  ASSERT_EQ(got_client.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(wire::encode_frame(got_server[i].type, got_server[i].body), sent[i])
        << "frame " << i << " at the server";
    EXPECT_EQ(wire::encode_frame(got_client[i].type, got_client[i].body), sent[i])
        << "frame " << i << " at the client";
  }
}

TEST(TlsStreamTest, APeerThatClosesEndsTheReadAsAnOrdinaryClose) {
  asio::io_context io;
  auto pairs = testing::make_frame_connection_pairs(io, 1);
  ASSERT_EQ(pairs.size(), 1u);
  std::optional<std::error_code> ended;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto r = co_await pairs[0].server->read_frame();
        ended = r ? std::error_code() : r.error();
      },
      asio::detached);
  testing::run_for(io, 100ms);
  EXPECT_FALSE(ended.has_value()) << "the read ended with nothing sent";
  pairs[0].client->close();
  testing::run_for(io, 500ms);
  ASSERT_TRUE(ended.has_value());
  EXPECT_TRUE(is_normal_close(*ended)) << ended->message();
}

TEST(TlsStreamTest, AWaitingReadEndsWhenItsOwnSideCloses) {
  asio::io_context io;
  auto pairs = testing::make_frame_connection_pairs(io, 1);
  ASSERT_EQ(pairs.size(), 1u);
  std::optional<std::error_code> ended;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto r = co_await pairs[0].client->read_frame();
        ended = r ? std::error_code() : r.error();
      },
      asio::detached);
  testing::run_for(io, 100ms);
  pairs[0].client->close();
  testing::run_for(io, 500ms);
  ASSERT_TRUE(ended.has_value());
  EXPECT_TRUE(is_normal_close(*ended)) << ended->message();
  EXPECT_FALSE(pairs[0].client->send(heartbeat(1)));  // closed: nothing more goes out
}

// OpenSSL writes to the socket with write(2): with SIGPIPE at its default, the first
// write after the peer's reset would end this whole test process.
TEST(TlsStreamTest, WritingToAConnectionThePeerClosedFailsAndTheProcessLivesOn) {
  asio::io_context io;
  auto pairs = testing::make_frame_connection_pairs(io, 1);
  ASSERT_EQ(pairs.size(), 1u);
  pairs[0].server->close();
  testing::run_for(io, 100ms);
  for (int i = 0; i < 40 && !pairs[0].client->closed(); ++i) {
    pairs[0].client->send(big_frame(1 << 20, 'x'));
    testing::run_for(io, 50ms);
  }
  EXPECT_TRUE(pairs[0].client->closed()) << "writes to a closed peer went on succeeding";
}

}  // namespace
}  // namespace ferry::net
