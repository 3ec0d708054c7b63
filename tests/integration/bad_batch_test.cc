// One bad batch is refused alone (DESIGN §2.6): a hop that finds a batch it can never
// store or write keeps it in its quarantine, puts a one-line "[ferry:quarantined]" marker
// in its place (so the stream stays dense), answers the broker's agent REFUSED, and goes
// on with the same connection; nothing that fails the checks reaches an output file. Before,
// such a batch was STORED, then made the consumer drop the broker's whole link over and
// over (a real line behind it was never acknowledged), or was committed into a shared
// hourly file that no longer decoded. After each: both daemons run, a line committed
// before is still there once, and the refusing node's log names the batch and reason.

#include <algorithm>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "common/base/crc32c.h"
#include "common/compress/zstd_codec.h"
#include "common/storage/quarantine.h"
#include "common/wire/messages.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void seal_crc(wire::BatchFrame& b) {
  b.header.payload_size = static_cast<uint32_t>(b.payload.size());
  b.header.payload_crc = crc32c::value(b.payload);
}

wire::BatchFrame zstd_batch(const std::string& host, uint64_t seq, const std::string& raw,
                            uint32_t events) {
  wire::BatchFrame b = one_line_batch(host, seq);
  compress::ZstdCompressor zstd(1);
  b.payload.clear();
  EXPECT_TRUE(zstd.compress(raw, b.payload));
  b.header.codec = batch::Codec::kZstd;
  b.header.raw_size = static_cast<uint32_t>(raw.size());
  b.header.event_count = events;
  seal_crc(b);
  return b;
}

// Every way a batch can lie that a hop can see, each its own seq of h1's stream.
std::vector<wire::BatchFrame> lying_batches() {
  std::vector<wire::BatchFrame> out;
  wire::BatchFrame random_bytes = one_line_batch("h1", 1);  // 64 random bytes labelled zstd
  std::mt19937 rng(12);
  random_bytes.payload.clear();
  for (int i = 0; i < 64; ++i) random_bytes.payload.push_back(static_cast<char>(rng()));
  random_bytes.header.codec = batch::Codec::kZstd;
  random_bytes.header.raw_size = 100;
  seal_crc(random_bytes);
  out.push_back(random_bytes);
  wire::BatchFrame bomb = zstd_batch("h1", 2, std::string(48u << 20, '\n'), 1);  // 48 MiB of lines
  bomb.header.raw_size = 100;
  bomb.header.event_count = 1;
  out.push_back(bomb);
  out.push_back(zstd_batch("h1", 3, "one line\n", 5));  // says 5 events, holds 1
  wire::BatchFrame epoch = one_line_batch("h1", 4);     // stamped 1970
  epoch.header.min_time_ms = epoch.header.max_time_ms = 0;
  out.push_back(epoch);
  wire::BatchFrame unknown_flag = one_line_batch("h1", 5);
  unknown_flag.header.flags = 0x80;
  out.push_back(unknown_flag);
  wire::BatchFrame sealed = one_line_batch("h1", 6);  // sealed, but names no key
  sealed.header.flags = batch::kFlagSealed;
  out.push_back(sealed);
  return out;
}

std::vector<wire::Refusal> refusals_in(const Conversation& c) {
  std::vector<wire::Refusal> out;
  for (const auto& f : c.frames) {
    if (f.type != wire::FrameType::kRefused) continue;
    auto r = wire::decode_refusal(f.body);
    EXPECT_TRUE(r);
    if (r) out.push_back(r.value());
  }
  return out;
}

size_t count_prefixed(const std::vector<std::string>& lines, const std::string& prefix) {
  return static_cast<size_t>(std::count_if(
      lines.begin(), lines.end(), [&](const std::string& l) { return l.starts_with(prefix); }));
}

// Every committed output file passes `zstd -t`.
void expect_output_decodes(const std::string& root) {
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".zst" || e.path().filename().string().front() == '.') continue;
    ++files;
    EXPECT_EQ(std::system(("zstd -tq '" + e.path().string() + "' 2>/dev/null").c_str()), 0)
        << e.path() << " does not decode";
  }
  EXPECT_GT(files, 0);
}

class BadBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.start("consumer");
    cluster_.start("broker-1");
    ASSERT_TRUE(wait_until(
        [&] { return converse(cluster_.broker_port(1), cluster_.tls_options("h1"), {}).connected; },
        20s));
    // A line committed before the lies, in a stream of its own: it must stay intact.
    wire::BatchFrame before = one_line_batch("h1", 1, "before-the-attack\n");
    before.header.category = "before";
    auto out = converse(
        cluster_.broker_port(1), cluster_.tls_options("h1"),
        {wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h1", "dc1"}),
         wire::encode(before)},
        wire::FrameType::kDelivered);
    ASSERT_TRUE(out.saw(wire::FrameType::kDelivered));
    ASSERT_TRUE(wait_until([&] { return !(before_ = cluster_.delivered_lines()).empty(); }, 20s));
  }
  static MiniClusterOptions options() {
    MiniClusterOptions o{.brokers = 1, .agents = 0};
    // Played by the test, not daemons: an agent, and a second broker of dc1.
    o.extra_identities = {tls::RoleClaim::agent("h1"), tls::RoleClaim::broker("dc1", "broker-x")};
    return o;
  }
  MiniCluster cluster_{options()};
  std::vector<std::string> before_;  // delivered before the lies
};

TEST_F(BadBatchTest, BrokerRefusesEachLyingBatchAloneAndTheConnectionGoesOn) {
  std::vector<std::string> frames{
      wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h1", "dc1"})};
  const auto lies = lying_batches();
  for (const auto& b : lies) frames.push_back(wire::encode(b));
  frames.push_back(wire::encode(one_line_batch("h1", 7, "good-line-after-the-lies\n")));
  auto out = converse(cluster_.broker_port(1), cluster_.tls_options("h1"), std::move(frames),
                      wire::FrameType::kDelivered);

  EXPECT_FALSE(out.error) << out.error->text;
  auto refused = refusals_in(out);
  ASSERT_EQ(refused.size(), lies.size());
  for (size_t i = 0; i < refused.size(); ++i) {
    EXPECT_EQ(refused[i].batch.first_seq, lies[i].header.seq);
    EXPECT_FALSE(refused[i].text.empty());
  }
  EXPECT_EQ(refused[1].code, wire::Errc::kDecompressionBomb) << refused[1].text;
  EXPECT_NE(refused[2].text.find("5 events"), std::string::npos) << refused[2].text;
  EXPECT_NE(refused[3].text.find("window"), std::string::npos) << refused[3].text;
  ASSERT_TRUE(out.saw(wire::FrameType::kDelivered))
      << "the good batch behind the lies was not delivered";

  auto kept = storage::Quarantine::list(cluster_.dir().file("data/broker-1/quarantine"));
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept.value().size(), lies.size());
  auto lines = cluster_.delivered_lines();
  ASSERT_TRUE(wait_until(
      [&] { return (lines = cluster_.delivered_lines()).size() == lies.size() + 2; }, 20s))
      << lines.size() << " lines delivered";
  EXPECT_EQ(count_prefixed(lines, "[ferry:quarantined] broker-1: "), lies.size());
  EXPECT_EQ(count_prefixed(lines, "good-line-after-the-lies"), 1u);
  expect_output_decodes(cluster_.output_root());
  cluster_.expect_unharmed({"broker-1", "consumer"}, before_, "broker-1",
                           "batch h1/events/2 refused for good");
}

// The consumer is the last hop before the files: a batch a broker let through (a stolen
// broker key, an older broker) is refused there, alone, and the link's other hosts go on.
TEST_F(BadBatchTest, ConsumerRefusesALyingBatchFromABrokerAndCommitsTheRest) {
  std::vector<std::string> frames{
      wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kBroker, "broker-x", "dc1"})};
  frames.push_back(wire::encode(lying_batches().front()));
  frames.push_back(wire::encode(one_line_batch("h2", 1, "other-host-line\n")));
  auto out = converse(cluster_.consumer_port(), cluster_.tls_options("broker-x"), std::move(frames),
                      wire::FrameType::kCommitted);

  EXPECT_FALSE(out.error) << out.error->text;
  ASSERT_TRUE(out.saw(wire::FrameType::kCommitted)) << "the link's batches were not committed";
  auto kept = storage::Quarantine::list(cluster_.dir().file("data/consumer/quarantine"));
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept.value().size(), 1u);
  expect_output_decodes(cluster_.output_root());
  std::vector<std::string> lines;
  ASSERT_TRUE(wait_until([&] { return (lines = cluster_.delivered_lines()).size() == 3; }, 20s))
      << lines.size();
  EXPECT_EQ(count_prefixed(lines, "[ferry:quarantined] consumer-1: broker-x: "), 1u);
  EXPECT_EQ(count_prefixed(lines, "other-host-line"), 1u);
  cluster_.expect_unharmed({"broker-1", "consumer"}, before_, "consumer",
                           "batch h1/events/1 refused for good");
}

// Every category is a stream each hop keeps state for and a directory in the output: one
// connection may name at most max_categories_per_host of them.
TEST(CategoryLimitTest, AnAgentNamingTooManyCategoriesIsCutOff) {
  MiniClusterOptions o{.brokers = 1, .agents = 1};
  o.broker_extra = "max_categories_per_host = 3";
  MiniCluster cluster(o);
  cluster.start("consumer");
  cluster.start("broker-1");
  ASSERT_TRUE(wait_until(
      [&] { return converse(cluster.broker_port(1), cluster.tls_options("h1"), {}).connected; },
      20s));
  std::vector<std::string> frames{
      wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h1", "dc1"})};
  for (int c = 1; c <= 4; ++c) {
    wire::Watermark w{"h1", "cat" + std::to_string(c), 1,
                      one_line_batch("h1", 1).header.min_time_ms, 0};
    frames.push_back(wire::encode(w));
  }
  auto out = converse(cluster.broker_port(1), cluster.tls_options("h1"), std::move(frames));
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kOverloaded);
  EXPECT_NE(out.error->text.find("max_categories_per_host (3)"), std::string::npos)
      << out.error->text;
  EXPECT_TRUE(cluster.running("broker-1"));
}

}  // namespace
}  // namespace ferry::testing
