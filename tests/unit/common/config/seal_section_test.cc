#include "common/config/seal_section.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "common/crypto/key_ring.h"

namespace ferry::config {
namespace {

std::string read(const std::string& text) {
  auto r = ConfigReader::from_string(text, "test.toml");
  auto dir = read_seal_section(r);
  r.finish();
  return dir;
}

std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

class SealSectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            ("seal-section-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string table() const { return "[seal]\nkeys_dir = \"" + dir_ + "\"\n"; }
  std::string dir_;
};

TEST_F(SealSectionTest, AbsentMeansNoSealing) { EXPECT_EQ(read(""), ""); }

TEST_F(SealSectionTest, AMissingOrEmptyDirectoryRefusesTheConfig) {
  auto missing = error_of(table());
  EXPECT_NE(missing.find("seal.keys_dir"), std::string::npos) << missing;
  EXPECT_NE(missing.find("cannot read key directory"), std::string::npos) << missing;
  std::filesystem::create_directories(dir_);
  auto empty = error_of(table());
  EXPECT_NE(empty.find("no <id>.key file"), std::string::npos) << empty;
}

TEST_F(SealSectionTest, ADirectoryWithAKeyIsRead) {
  std::string why;
  ASSERT_TRUE(crypto::make_key_file(dir_, why)) << why;
  EXPECT_EQ(read(table()), dir_);
}

}  // namespace
}  // namespace ferry::config
