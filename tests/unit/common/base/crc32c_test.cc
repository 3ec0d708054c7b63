#include "common/base/crc32c.h"

#include <string>

#include <gtest/gtest.h>

namespace ferry::crc32c {
namespace {

// RFC 3720 appendix B.4 vectors.
struct Vector {
  std::string data;
  uint32_t crc;
};

std::vector<Vector> rfc3720_vectors() {
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  for (int i = 31; i >= 0; --i) descending.push_back(static_cast<char>(i));
  return {
      {std::string(32, '\0'), 0x8A9136AA},
      {std::string(32, '\xff'), 0x62A8AB43},
      {ascending, 0x46DD794E},
      {descending, 0x113FDB5C},
      {"123456789", 0xE3069283},
  };
}

TEST(Crc32cTest, PortableMatchesRfc3720Vectors) {
  for (const auto& v : rfc3720_vectors()) {
    EXPECT_EQ(extend_portable(0, v.data.data(), v.data.size()), v.crc) << v.data.size();
  }
}

TEST(Crc32cTest, HardwareMatchesRfc3720Vectors) {
  if (!hardware_available()) GTEST_SKIP() << "CPU has no SSE4.2";
  for (const auto& v : rfc3720_vectors()) {
    EXPECT_EQ(extend_hardware(0, v.data.data(), v.data.size()), v.crc) << v.data.size();
  }
}

TEST(Crc32cTest, ExtendEqualsWholeAndImplementationsAgreeOnAllLengths) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (size_t n = 0; n <= data.size(); n += 37) {
    uint32_t whole = extend_portable(0, data.data(), n);
    for (size_t split = 0; split <= n; split += 13) {
      uint32_t part =
          extend_portable(extend_portable(0, data.data(), split), data.data() + split, n - split);
      EXPECT_EQ(part, whole);
    }
    if (hardware_available()) {
      EXPECT_EQ(extend_hardware(0, data.data(), n), whole) << n;
    }
    EXPECT_EQ(value(data.data(), n), whole);
  }
}

}  // namespace
}  // namespace ferry::crc32c
