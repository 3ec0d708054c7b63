#pragma once
// Valid batch frames for the broker store tests, and opening a store for one.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "broker/store/batch_store.h"

#include "common/base/crc32c.h"
#include "common/wire/messages.h"

namespace ferry::broker::store::testing {

inline constexpr TimeMs kHour0 = 1'700'000'000'000 - (1'700'000'000'000 % kMsPerHour);

inline wire::BatchFrame make_frame(const std::string& host, const std::string& category,
                                   uint64_t seq, size_t payload_bytes = 100,
                                   TimeMs min_time_ms = kHour0) {
  wire::BatchFrame f;
  f.header.host = host;
  f.header.category = category;
  f.header.seq = seq;
  f.header.event_count = 1;
  f.header.raw_size = static_cast<uint32_t>(payload_bytes + 1);
  f.payload = std::string(payload_bytes, static_cast<char>('a' + seq % 26));
  f.header.payload_size = static_cast<uint32_t>(payload_bytes);
  f.header.min_time_ms = min_time_ms;
  f.header.max_time_ms = min_time_ms + 1000;
  f.header.codec = batch::Codec::kNone;
  f.header.payload_crc = crc32c::value(f.payload);
  return f;
}

// A store at `path` (options.path is set to it); null, with the reason as a test
// failure, if it cannot open.
inline std::unique_ptr<BatchStore> open_store(const std::string& path,
                                              BatchStoreOptions options = {}) {
  options.path = path;
  std::string why;
  auto store = BatchStore::open(options, why);
  EXPECT_TRUE(store) << why;
  return store ? std::move(store).value() : nullptr;
}

}  // namespace ferry::broker::store::testing
