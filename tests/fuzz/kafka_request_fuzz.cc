// libFuzzer target: one Kafka request as a client sends it (after the 4-byte size),
// through KafkaService::handle over the in-memory fakes. Refusing (close) is fine;
// crashing, reading out of bounds or allocating by a hostile count is not.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/base/clock.h"
#include "consumer/kafka/kafka_service.h"
#include "tests/fakes/fake_live_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ferry::testing::FakeLiveLog* log = [] {
    auto* l = new ferry::testing::FakeLiveLog;
    l->append("app", {"a", "b"});
    l->append("app", {"c"}, 1'800'000'000'001, "web-02",
              ferry::consumer::kafka::Compression::kZstd);
    return l;
  }();
  static ferry::testing::FakeGroupOffsets offsets;
  static ferry::consumer::kafka::KafkaService service(*log, offsets, ferry::SystemClock::instance(),
                                                      {});
  std::string_view request(reinterpret_cast<const char*>(data), size);
  (void)service.handle(request, size % 2 == 0);
  service.tick();
  return 0;
}
