// Sealed payloads (DESIGN §10): agents seal, brokers store and forward ciphertext they
// cannot read, the consumer opens, checks and writes. A batch the consumer cannot open
// (tampered, sealed with a key it does not hold, moved under another seq) is quarantined
// alone and the rest of the stream flows.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "common/base/crc32c.h"
#include "common/crypto/payload_seal.h"
#include "common/metrics/prometheus_text.h"
#include "common/storage/quarantine.h"
#include "common/wire/messages.h"
#include "tests/support/delivery_check.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string seal_table(const std::string& keys_dir) {
  return "[seal]\nkeys_dir = \"" + keys_dir + "\"\n";
}

// A line that zstd leaves as it is (too varied for its entropy coder to pay off), so an
// unsealed batch holding it shows it verbatim in the broker's files.
std::string marker_line(int n) {
  static const std::string chars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%&()*+,-./:;<>?@[]^_{|}~";
  std::mt19937 rng(static_cast<unsigned>(n) + 77);
  std::string m = "SEALMARK" + std::to_string(n) + "-";
  for (int i = 0; i < 80; ++i) m.push_back(chars[rng() % chars.size()]);
  return m;
}

size_t occurrences_in(const fs::path& file, const std::string& needle) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string text = bytes.str();
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Occurrences of `needle` in every file under `dir` (RocksDB's WAL, memtable flushes, SSTs).
size_t occurrences_under(const std::string& dir, const std::string& needle) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += occurrences_in(e.path(), needle);
  }
  return n;
}

bool delivered(const MiniCluster& cluster, const std::string& text) {
  for (const auto& l : cluster.delivered_lines()) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

class SealedPipelineTest : public ::testing::TestWithParam<bool> {};

// Sealed, the broker's RocksDB holds none of the markers; the same run unsealed finds
// them there, which is what shows the check can see plaintext at all.
TEST_P(SealedPipelineTest, BrokerHoldsOnlyCiphertextAndEveryLineArrivesOnce) {
  const bool sealed = GetParam();
  TempDir keys;
  std::string why;
  ASSERT_TRUE(crypto::make_key_file(keys.file("keys"), why)) << why;
  MiniClusterOptions o{.brokers = 1, .agents = 1};
  if (sealed) o.agent_extra = o.consumer_extra = seal_table(keys.file("keys"));
  MiniCluster cluster(o);
  cluster.start_all();
  constexpr int kMarkers = 3;
  for (int i = 0; i < kMarkers; ++i) {  // one batch each: appended after the last arrived
    std::ofstream(cluster.input_file(1), std::ios::app) << syslog_line("h1", marker_line(i));
    ASSERT_TRUE(wait_until([&] { return delivered(cluster, marker_line(i)); }, 30s))
        << "marker " << i;
  }
  constexpr int kLines = 600;
  write_and_deliver(cluster, 1, kLines, 30, 60s);

  size_t in_broker = 0;
  for (int i = 0; i < kMarkers; ++i)
    in_broker += occurrences_under(cluster.dir().file("data/broker-1/db"), marker_line(i));
  if (sealed) {
    EXPECT_EQ(in_broker, 0u) << "plaintext found in the broker's RocksDB files";
    EXPECT_EQ(occurrences_under(cluster.dir().file("data/broker-1/db"), "SEALMARK"), 0u);
  } else {
    EXPECT_GE(in_broker, static_cast<size_t>(kMarkers)) << "the control run must find its markers";
  }
  auto kept = storage::Quarantine::list(cluster.dir().file("data/consumer/quarantine"));
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept.value().empty());
}

INSTANTIATE_TEST_SUITE_P(SealedAndNot, SealedPipelineTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Sealed" : "Unsealed"; });

// What an attacker with a broker's disk or key can do to sealed batches: change bytes,
// relabel a batch's seq, or send one sealed with a key no consumer holds. The broker
// cannot tell (it stores them), the consumer cannot open them: each is quarantined with
// its reason, never written, and the batches around them are delivered.
TEST(SealedRefusalTest, ConsumerQuarantinesWhatItCannotOpenAndTheStreamFlows) {
  TempDir keys;
  std::string why;
  ASSERT_TRUE(crypto::make_key_file(keys.file("keys"), why)) << why;
  auto ring = crypto::load_key_dir(keys.file("keys"), why).value();
  MiniClusterOptions o{.brokers = 1, .agents = 0};
  o.consumer_extra = seal_table(keys.file("keys"));
  o.extra_identities = {tls::RoleClaim::agent("h1")};
  MiniCluster cluster(o);
  cluster.start("consumer");
  cluster.start("broker-1");
  ASSERT_TRUE(wait_until(
      [&] { return converse(cluster.broker_port(1), cluster.tls_options("h1"), {}).connected; },
      20s));

  auto sealed_line = [&](uint64_t seq, const std::string& line, uint32_t key_id,
                         const crypto::Key& key) {
    wire::BatchFrame b = one_line_batch("h1", seq, line + "\n");
    EXPECT_FALSE(crypto::seal_payload(key, key_id, b.header, b.payload));
    return b;
  };
  const crypto::Key& key = ring.keys.at(1);
  crypto::Key other_key = key;
  other_key[0] ^= 1;
  std::vector<wire::BatchFrame> batches;
  batches.push_back(sealed_line(1, "sealed-good-1", 1, key));
  wire::BatchFrame tampered = sealed_line(2, "sealed-tampered", 1, key);
  tampered.payload[crypto::kNonceBytes] ^= 0x20;  // CRC made anew: only the tag can tell
  tampered.header.payload_crc = crc32c::value(tampered.payload);
  batches.push_back(tampered);
  batches.push_back(sealed_line(3, "sealed-unknown-key", 9, other_key));
  wire::BatchFrame moved = sealed_line(3, "sealed-moved", 1, key);  // sealed as seq 3, sent as 4
  moved.header.seq = 4;
  batches.push_back(moved);
  batches.push_back(sealed_line(5, "sealed-good-5", 1, key));

  std::vector<std::string> frames{
      wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h1", "dc1"})};
  for (const auto& b : batches) frames.push_back(wire::encode(b));
  auto out = converse(cluster.broker_port(1), cluster.tls_options("h1"), std::move(frames));
  EXPECT_FALSE(out.error) << out.error->text;

  std::vector<std::string> lines;
  ASSERT_TRUE(
      wait_until([&] { return (lines = cluster.delivered_lines()).size() == batches.size(); }, 30s))
      << lines.size() << " lines delivered";
  std::vector<std::string> quarantined;
  for (const auto& l : lines) {
    EXPECT_EQ(l.find("sealed-tampered"), std::string::npos);
    if (l.starts_with("[ferry:quarantined] consumer-1: broker-1: cannot open: "))
      quarantined.push_back(l);
  }
  EXPECT_TRUE(delivered(cluster, "sealed-good-1"));
  EXPECT_TRUE(delivered(cluster, "sealed-good-5"));
  ASSERT_EQ(quarantined.size(), 3u);
  auto reasons = [&](const std::string& text) {
    return std::count_if(quarantined.begin(), quarantined.end(),
                         [&](const std::string& l) { return l.find(text) != std::string::npos; });
  };
  EXPECT_EQ(reasons("bad tag"), 2) << quarantined[0];
  EXPECT_EQ(reasons("key id 9, which this node does not hold"), 1);
  auto kept = storage::Quarantine::list(cluster.dir().file("data/consumer/quarantine"));
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept.value().size(), 3u);
  auto metrics = http_get(cluster.consumer_http_port(), "/metrics").body;
  EXPECT_EQ(metrics::sample_value(metrics, "ferry_consumer_quarantined_batches"), 3.0) << metrics;
  // Brokers hold no keys: they stored every one of them.
  EXPECT_TRUE(
      storage::Quarantine::list(cluster.dir().file("data/broker-1/quarantine")).value().empty());
  EXPECT_TRUE(cluster.running("consumer"));
  EXPECT_TRUE(cluster.running("broker-1"));
}

// A rotation as docs/security.md describes it: a new key to the consumer, then to the
// agent (which seals with it from its SIGHUP on), and the old key removed from both once
// what it sealed has drained. Every line arrives once, none is quarantined.
TEST(SealedRotationTest, ANewKeyMidStreamThenTheOldOneRemovedLosesNothing) {
  TempDir keys;
  const std::string agent_keys = keys.file("agent"), consumer_keys = keys.file("consumer");
  std::string why;
  ASSERT_TRUE(crypto::make_key_file(consumer_keys, why)) << why;
  auto copy_key = [&](uint32_t id) {
    fs::create_directories(agent_keys);
    const std::string name = std::to_string(id) + ".key";
    fs::copy_file(fs::path(consumer_keys) / name, fs::path(agent_keys) / name);
    fs::permissions(fs::path(agent_keys) / name, fs::perms::owner_read | fs::perms::owner_write);
  };
  copy_key(1);
  MiniClusterOptions o{.brokers = 1, .agents = 1};
  o.agent_extra = seal_table(agent_keys);
  o.consumer_extra = seal_table(consumer_keys);
  MiniCluster cluster(o);
  cluster.start_all();
  auto hangup_until = [&](const std::string& name, const std::string& logged) {
    ASSERT_EQ(::kill(cluster.pid(name), SIGHUP), 0);
    ASSERT_TRUE(wait_until([&] { return occurrences_in(cluster.log(name), logged) > 0; }, 20s))
        << name << " did not log: " << logged;
  };

  constexpr int kLines = 900;
  Writer writer(cluster, 1, kLines, 30);
  writer.between_ticks = [&](int tick) {
    if (tick != 10) return;
    ASSERT_EQ(crypto::make_key_file(consumer_keys, why).value(), 2u) << why;
    hangup_until("consumer", "reloaded: ids 1, 2,");
    copy_key(2);
    hangup_until("agent-1", "reloaded: ids 1, 2, sealing with 2");
  };
  writer.start();
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 1, kLines, 60s), kLines);

  // Drained: the old key goes from both sides, and the stream goes on with the new one.
  fs::remove(fs::path(agent_keys) / "1.key");
  fs::remove(fs::path(consumer_keys) / "1.key");
  hangup_until("agent-1", "reloaded: ids 2, sealing with 2");
  hangup_until("consumer", "reloaded: ids 2,");
  std::ofstream(cluster.input_file(1), std::ios::app)
      << syslog_line("h1", "after-the-old-key-left");
  EXPECT_TRUE(wait_until([&] { return delivered(cluster, "after-the-old-key-left"); }, 30s));
  expect_exactly_once(tally(cluster, 1, kLines), kLines);
  auto kept = storage::Quarantine::list(cluster.dir().file("data/consumer/quarantine"));
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept.value().empty());
}

}  // namespace
}  // namespace ferry::testing
