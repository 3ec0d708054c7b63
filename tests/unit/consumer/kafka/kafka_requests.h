#pragma once
// Kafka requests as clients write them, and a reader that owns the response it reads,
// for the service and server tests.

#include <functional>
#include <string>

#include "consumer/kafka/kafka_wire.h"

namespace ferry::consumer::kafka::test_client {

using Body = std::function<void(WireWriter&)>;

// A response and a reader over it (a WireReader only views its bytes).
struct OwnedBytes {
  std::string owned;
};
struct Response : private OwnedBytes, public WireReader {
  explicit Response(std::string b) : OwnedBytes{std::move(b)}, WireReader(OwnedBytes::owned) {}
};

inline std::string request(int16_t key, int16_t version, const Body& body = {}) {
  std::string out;
  WireWriter w(out);
  w.i16(key);
  w.i16(version);
  w.i32(77);  // correlation id
  w.nullable_string("test-client");
  if (key == 18 && version >= 3) w.empty_tagged_fields();
  if (body) body(w);
  return out;
}

inline Body fetch_body(int16_t v, int64_t offset, int32_t max_bytes = 1 << 20,
                       const std::string& topic = "app") {
  return [=](WireWriter& w) {
    w.i32(-1);   // replica
    w.i32(500);  // max_wait_ms
    w.i32(1);    // min_bytes
    w.i32(max_bytes);
    w.i8(0);
    if (v >= 7) {
      w.i32(0);
      w.i32(-1);
    }
    w.array_count(1);
    w.string(topic);
    w.array_count(1);
    w.i32(0);
    if (v >= 9) w.i32(-1);
    w.i64(offset);
    if (v >= 5) w.i64(-1);
    w.i32(max_bytes);
    if (v >= 7) w.array_count(0);
    if (v >= 11) w.string("");
  };
}

// JoinGroup v5 from a new member of "grp".
inline Body join_body() {
  return [](WireWriter& w) {
    w.string("grp");
    w.i32(10'000);
    w.i32(30'000);
    w.string("");
    w.nullable_string(std::nullopt);
    w.string("consumer");
    w.array_count(1);
    w.string("range");
    w.bytes("meta");
  };
}

}  // namespace ferry::consumer::kafka::test_client
