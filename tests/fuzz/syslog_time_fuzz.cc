// libFuzzer target: the syslog timestamp parsers (RFC 3164, RFC 5424 / ISO 8601) on
// arbitrary line starts, with an arbitrary read time from the first 8 bytes. They scan
// by hand, so out-of-bounds reads and integer overflow are the risks; a year-less RFC
// 3164 time must also never land more than kMaxFutureMs after the read time.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "agent/event/syslog_time.h"
#include "common/base/assert.h"

namespace event = ferry::agent::event;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int64_t read_time = 1'790'000'000'000;  // 2026
  if (size >= 8) {
    std::memcpy(&read_time, data, 8);
    // Read times are wall clock times: keep them within 0001..9999, as a clock can be.
    read_time = static_cast<int64_t>(static_cast<uint64_t>(read_time) % 253'402'300'800'000ULL);
    data += 8;
    size -= 8;
  }
  std::string_view line(reinterpret_cast<const char*>(data), size);
  (void)event::parse_syslog_time(line, read_time);
  (void)event::parse_iso8601(line);
  if (auto t = event::parse_rfc3164(line, read_time)) {
    FERRY_RELEASE_ASSERT(*t <= read_time + event::kMaxFutureMs);
  }
  return 0;
}
