#include "common/crypto/payload_seal.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/base/crc32c.h"
#include "common/batch/payload.h"
#include "common/compress/zstd_codec.h"
#include "common/wire/messages.h"

namespace ferry::crypto {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000 - (1'700'000'000'000 % 3'600'000);

Key key_of(uint8_t fill) {
  Key k;
  k.fill(fill);
  return k;
}

struct Sealed {
  batch::BatchHeader header;
  std::string payload;
  batch::BatchHeader plain_header;
  std::string plain;
};

Sealed sealed_batch(uint32_t key_id = 7, uint8_t key_fill = 1) {
  batch::BatchBuilder b(1 << 20);
  b.add("secret-marker one\n", kT0, 0);
  b.add("secret-marker two\n", kT0 + 1, 18);
  compress::ZstdCompressor z(3);
  Sealed s;
  s.header.host = "h1";
  s.header.category = "cat";
  s.header.seq = 5;
  s.header.incarnation = 9;
  s.plain = batch::encode_payload(b.take(), batch::Codec::kZstd, z, s.header).value();
  s.plain_header = s.header;
  s.payload = s.plain;
  EXPECT_FALSE(seal_payload(key_of(key_fill), key_id, s.header, s.payload));
  return s;
}

KeyRing ring_with(uint32_t id, uint8_t fill) {
  KeyRing r;
  r.keys[id] = key_of(fill);
  return r;
}

TEST(PayloadSealTest, RoundTripRestoresTheUnsealedBatch) {
  auto s = sealed_batch();
  EXPECT_TRUE(s.header.sealed());
  EXPECT_EQ(s.header.key_id, 7u);
  EXPECT_EQ(s.payload.size(), s.plain.size() + kSealOverhead);
  EXPECT_EQ(s.payload.find("secret-marker"), std::string::npos);
  // A broker sees a valid batch without opening it.
  std::string why;
  EXPECT_FALSE(batch::validate_header(s.header));
  EXPECT_FALSE(batch::validate_sealed_payload(s.header, s.payload, why)) << why;
  // Header v3 carries the key id across the wire.
  std::string enc;
  batch::encode_header(s.header, enc);
  std::string_view in(enc);
  EXPECT_EQ(batch::decode_header(in).value(), s.header);

  ASSERT_FALSE(open_payload(ring_with(7, 1), s.header, s.payload, why)) << why;
  EXPECT_EQ(s.header, s.plain_header);
  EXPECT_EQ(s.payload, s.plain);
}

TEST(PayloadSealTest, EachBatchGetsItsOwnNonce) {
  EXPECT_NE(sealed_batch().payload, sealed_batch().payload);
}

void expect_refused(Sealed s, const KeyRing& ring, const std::string& reason) {
  const auto before = s.header;
  const auto payload = s.payload;
  std::string why;
  EXPECT_EQ(open_payload(ring, s.header, s.payload, why), wire::Errc::kBadBatch);
  EXPECT_NE(why.find(reason), std::string::npos) << why;
  EXPECT_EQ(s.header, before);
  EXPECT_EQ(s.payload, payload);
}

TEST(PayloadSealTest, TamperedCiphertextOrTagDoesNotOpen) {
  auto s = sealed_batch();
  auto body = s;
  body.payload[kNonceBytes + 2] ^= 1;
  expect_refused(body, ring_with(7, 1), "bad tag");
  auto tag = s;
  tag.payload.back() ^= 0x80;
  expect_refused(tag, ring_with(7, 1), "bad tag");
  auto nonce = s;
  nonce.payload[0] ^= 1;
  expect_refused(nonce, ring_with(7, 1), "bad tag");
  auto short_one = s;
  short_one.payload.resize(kSealOverhead - 1);
  expect_refused(short_one, ring_with(7, 1), "shorter than nonce and tag");
}

TEST(PayloadSealTest, AnyChangedIdentityFieldDoesNotOpen) {
  const auto s = sealed_batch();
  std::vector<std::function<void(batch::BatchHeader&)>> changes = {
      [](auto& h) { h.host = "h2"; },      [](auto& h) { h.category = "other"; },
      [](auto& h) { h.incarnation += 1; }, [](auto& h) { h.seq += 1; },
      [](auto& h) { h.event_count += 1; }, [](auto& h) { h.raw_size += 1; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    SCOPED_TRACE(i);
    auto moved = s;
    changes[i](moved.header);
    expect_refused(moved, ring_with(7, 1), "bad tag");
  }
  // The same key under another id: the id is bound too.
  auto renamed = s;
  renamed.header.key_id = 8;
  expect_refused(renamed, ring_with(8, 1), "bad tag");
}

TEST(PayloadSealTest, UnknownKeyIdOrWrongKeyDoesNotOpen) {
  const auto s = sealed_batch();
  expect_refused(s, ring_with(6, 1), "key id 7, which this node does not hold");
  expect_refused(s, KeyRing{}, "key id 7, which this node does not hold");
  expect_refused(s, ring_with(7, 2), "bad tag");
}

TEST(PayloadSealTest, HeaderNeedsAKeyIdExactlyWhenSealed) {
  auto s = sealed_batch();
  s.header.key_id = 0;
  EXPECT_TRUE(batch::validate_header(s.header));
  s.plain_header.key_id = 3;
  EXPECT_TRUE(batch::validate_header(s.plain_header));
}

TEST(PayloadSealTest, BrokerSideCheckRefusesImpossibleSizes) {
  auto s = sealed_batch();
  std::string why;
  s.header.raw_size = 1;
  s.header.event_count = 1;
  s.payload.append(200, 'x');  // more than 1 byte compresses to, plus nonce and tag
  s.header.payload_size = static_cast<uint32_t>(s.payload.size());
  s.header.payload_crc = crc32c::value(s.payload);
  EXPECT_EQ(batch::validate_sealed_payload(s.header, s.payload, why), wire::Errc::kBadBatch);
  EXPECT_NE(why.find("cannot hold 1 raw bytes"), std::string::npos) << why;
  auto crc = sealed_batch();
  crc.payload[20] ^= 1;
  EXPECT_EQ(batch::validate_sealed_payload(crc.header, crc.payload, why), wire::Errc::kBadCrc);
}

class KeyDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(KeyDirTest, MakesKeysWithTheNextIdAndMode0600) {
  std::string why;
  EXPECT_EQ(make_key_file(dir_, why).value(), 1u) << why;
  EXPECT_EQ(make_key_file(dir_, why).value(), 2u) << why;
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "2.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto ring = load_key_dir(dir_, why);
  ASSERT_TRUE(ring) << why;
  EXPECT_EQ(ring.value().keys.size(), 2u);
  EXPECT_EQ(ring.value().newest_id(), 2u);
  EXPECT_NE(ring.value().keys.at(1), ring.value().keys.at(2));
}

TEST_F(KeyDirTest, RefusesBadFilesByName) {
  std::string why;
  ASSERT_TRUE(make_key_file(dir_, why));
  std::filesystem::permissions(dir_ / "1.key", std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  EXPECT_FALSE(load_key_dir(dir_, why));
  EXPECT_NE(why.find("1.key: readable by others"), std::string::npos) << why;
  std::filesystem::remove(dir_ / "1.key");
  std::ofstream(dir_ / "x.key") << "00\n";
  EXPECT_FALSE(load_key_dir(dir_, why));
  EXPECT_NE(why.find("x.key: name must be <id>.key"), std::string::npos) << why;
  std::filesystem::remove(dir_ / "x.key");
  std::ofstream(dir_ / "3.key") << "00\n";
  std::filesystem::permissions(
      dir_ / "3.key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_FALSE(load_key_dir(dir_, why));
  EXPECT_NE(why.find("3.key: must hold 64 hex digits"), std::string::npos) << why;
}

TEST_F(KeyDirTest, StoreReloadKeepsTheKeysWhenTheDirectoryFails) {
  std::string why;
  ASSERT_TRUE(make_key_file(dir_, why));
  KeyStore store(dir_, why);
  ASSERT_EQ(why, "");
  EXPECT_EQ(store.current()->newest_id(), 1u);
  ASSERT_TRUE(make_key_file(dir_, why));
  EXPECT_EQ(store.reload(), "");
  EXPECT_EQ(store.current()->newest_id(), 2u);
  std::ofstream(dir_ / "9.key") << "bad\n";
  EXPECT_NE(store.reload(), "");
  EXPECT_EQ(store.current()->newest_id(), 2u);
}

}  // namespace
}  // namespace ferry::crypto
