#include "consumer/kafka/kafka_service.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "consumer/kafka/record_batch.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_live_log.h"
#include "tests/unit/consumer/kafka/kafka_requests.h"

namespace ferry::consumer::kafka {
namespace {

using test_client::Body;
using test_client::fetch_body;
using test_client::join_body;
using test_client::request;
using test_client::Response;

struct FetchedPartition {
  int16_t error = 0;
  int64_t high_watermark = 0;
  int64_t log_start = 0;
  std::string records;
};

// Reads a Fetch v11 response with one topic and one partition.
FetchedPartition read_fetch_v11(const std::string& response) {
  WireReader r(response);
  EXPECT_EQ(r.i32(), 77);
  EXPECT_EQ(r.i32(), 0);  // throttle
  EXPECT_EQ(r.i16(), 0);  // error
  EXPECT_EQ(r.i32(), 0);  // session id
  EXPECT_EQ(r.i32(), 1);
  (void)r.string();
  EXPECT_EQ(r.i32(), 1);
  FetchedPartition p;
  EXPECT_EQ(r.i32(), 0);
  p.error = r.i16();
  p.high_watermark = r.i64();
  EXPECT_EQ(r.i64(), p.high_watermark);  // last stable offset
  p.log_start = r.i64();
  EXPECT_EQ(r.i32(), 0);   // aborted transactions
  EXPECT_EQ(r.i32(), -1);  // preferred read replica
  p.records = std::string(r.bytes());
  EXPECT_TRUE(r.ok() && r.at_end());
  return p;
}

class KafkaServiceTest : public ::testing::Test {
 protected:
  KafkaServiceTest() {
    log_.append("app", {"a1", "a2"});
    log_.append("app", {"a3"}, 1'800'000'100'000, "web-02", Compression::kZstd);
    log_.create_topic("quiet");
  }
  std::string ok(const std::string& req, bool may_wait = false) {
    Reply reply = service_.handle(req, may_wait);
    EXPECT_FALSE(reply.close_reason) << *reply.close_reason;
    if (reply.deferred) {
      EXPECT_TRUE(reply.deferred->ready());
      return reply.deferred->take();
    }
    return reply.response;
  }

  testing::FakeLiveLog log_;
  testing::FakeGroupOffsets offsets_;
  testing::FakeClock clock_;
  KafkaServiceOptions options_{"kafka.example", 9093, "ferry", 8 << 20, {}};
  KafkaService service_{log_, offsets_, clock_, options_};
};

TEST_F(KafkaServiceTest, ApiVersionsListsEveryServedApi) {
  for (int16_t v = 0; v <= 3; ++v) {
    Response r(ok(request(18, v)));
    EXPECT_EQ(r.i32(), 77);
    EXPECT_EQ(r.i16(), 0);
    const size_t n = v >= 3 ? r.uvarint32() - 1 : static_cast<size_t>(r.i32());
    EXPECT_EQ(n, std::size(kSupportedApis));
    bool fetch_seen = false;
    bool produce_seen = false;
    for (size_t i = 0; i < n; ++i) {
      const int16_t key = r.i16();
      const int16_t min = r.i16();
      const int16_t max = r.i16();
      if (v >= 3) r.skip_tagged_fields();
      if (key == 1) fetch_seen = min == 4 && max == 11;
      // Listed only so librdkafka enables record batches v2 and zstd; refused below.
      if (key == 0) produce_seen = min == 3 && max == 7;
    }
    EXPECT_TRUE(fetch_seen);
    EXPECT_TRUE(produce_seen);
    if (v >= 1) {
      EXPECT_EQ(r.i32(), 0);
    }
    if (v >= 3) r.skip_tagged_fields();
    EXPECT_TRUE(r.ok() && r.at_end()) << v;
  }
}

TEST_F(KafkaServiceTest, NewerApiVersionsGetsTheV0FormatWithUnsupportedVersion) {
  Response r(ok(request(18, 9)));
  EXPECT_EQ(r.i32(), 77);
  EXPECT_EQ(r.i16(), 35);
  EXPECT_EQ(r.i32(), static_cast<int32_t>(std::size(kSupportedApis)));
}

TEST_F(KafkaServiceTest, MetadataNamesThisBrokerAndTheTopics) {
  Response r(ok(request(3, 8, [](WireWriter& w) {
    w.array_count(2);
    w.string("app");
    w.string("nope");
    w.boolean(true);
    w.boolean(false);
    w.boolean(false);
  })));
  EXPECT_EQ(r.i32(), 77);
  EXPECT_EQ(r.i32(), 0);  // throttle
  EXPECT_EQ(r.i32(), 1);  // one broker
  EXPECT_EQ(r.i32(), 0);
  EXPECT_EQ(r.string(), "kafka.example");
  EXPECT_EQ(r.i32(), 9093);
  EXPECT_EQ(r.nullable_string(), std::nullopt);
  EXPECT_EQ(r.nullable_string(), "ferry");
  EXPECT_EQ(r.i32(), 0);  // controller
  EXPECT_EQ(r.i32(), 2);
  EXPECT_EQ(r.i16(), 0);
  EXPECT_EQ(r.string(), "app");
  EXPECT_FALSE(r.boolean());
  EXPECT_EQ(r.i32(), 1);  // one partition
  EXPECT_EQ(r.i16(), 0);
  EXPECT_EQ(r.i32(), 0);  // partition 0
  EXPECT_EQ(r.i32(), 0);  // leader 0
  EXPECT_EQ(r.i32(), 0);  // leader epoch
  EXPECT_EQ(r.i32(), 1);
  EXPECT_EQ(r.i32(), 0);
  EXPECT_EQ(r.i32(), 1);
  EXPECT_EQ(r.i32(), 0);
  EXPECT_EQ(r.i32(), 0);  // offline
  (void)r.i32();          // authorized operations
  EXPECT_EQ(r.i16(), 3);  // nope: UNKNOWN_TOPIC_OR_PARTITION
  EXPECT_EQ(r.string(), "nope");
  EXPECT_FALSE(r.boolean());
  EXPECT_EQ(r.i32(), 0);
  (void)r.i32();
  (void)r.i32();
  EXPECT_TRUE(r.ok() && r.at_end());
}

TEST_F(KafkaServiceTest, MetadataV0WithNoTopicsListsAll) {
  Response r(ok(request(3, 0, [](WireWriter& w) { w.array_count(0); })));
  EXPECT_EQ(r.i32(), 77);
  EXPECT_EQ(r.i32(), 1);
  (void)r.i32();
  (void)r.string();
  (void)r.i32();
  EXPECT_EQ(r.i32(), 2);  // app, quiet
}

TEST_F(KafkaServiceTest, ListOffsetsEarliestLatestAndByTime) {
  log_.trim_before("app", 2);
  auto list = [&](int64_t ts) {
    Response r(ok(request(2, 5, [ts](WireWriter& w) {
      w.i32(-1);
      w.i8(0);
      w.array_count(1);
      w.string("app");
      w.array_count(1);
      w.i32(0);
      w.i32(-1);
      w.i64(ts);
    })));
    EXPECT_EQ(r.i32(), 77);
    EXPECT_EQ(r.i32(), 0);
    EXPECT_EQ(r.i32(), 1);
    EXPECT_EQ(r.string(), "app");
    EXPECT_EQ(r.i32(), 1);
    EXPECT_EQ(r.i32(), 0);
    EXPECT_EQ(r.i16(), 0);
    (void)r.i64();
    const int64_t offset = r.i64();
    (void)r.i32();
    EXPECT_TRUE(r.ok() && r.at_end());
    return offset;
  };
  EXPECT_EQ(list(-1), 3);
  EXPECT_EQ(list(-2), 2);
  EXPECT_EQ(list(1'800'000'050'000), 2);
  EXPECT_EQ(list(1'900'000'000'000), -1);
}

TEST_F(KafkaServiceTest, FetchReturnsTheBatchesFromTheOffset) {
  const FetchedPartition p = read_fetch_v11(ok(request(1, 11, fetch_body(11, 1))));
  EXPECT_EQ(p.error, 0);
  EXPECT_EQ(p.high_watermark, 3);
  EXPECT_EQ(p.log_start, 0);
  auto records = decode_record_batches(p.records);
  ASSERT_TRUE(records);
  ASSERT_EQ(records.value().size(), 3u);  // whole batches: the client skips offset 0
  EXPECT_EQ(records.value()[2].value, "a3");
  EXPECT_EQ(records.value()[2].key, "web-02");
}

TEST_F(KafkaServiceTest, EveryFetchVersionParses) {
  for (int16_t v = 4; v <= 11; ++v) {
    Reply reply = service_.handle(request(1, v, fetch_body(v, 0)), false);
    EXPECT_FALSE(reply.close_reason) << v;
    EXPECT_GT(reply.response.size(), 40u) << v;
  }
}

TEST_F(KafkaServiceTest, FetchAtTheEndWaitsOnlyWhenAllowed) {
  Reply wait = service_.handle(request(1, 11, fetch_body(11, 3)), true);
  EXPECT_EQ(wait.wait, std::chrono::milliseconds(500));
  EXPECT_EQ(wait.wait_topics, std::vector<std::string>{"app"});
  const FetchedPartition p = read_fetch_v11(ok(request(1, 11, fetch_body(11, 3)), false));
  EXPECT_EQ(p.error, 0);
  EXPECT_TRUE(p.records.empty());
}

TEST_F(KafkaServiceTest, FetchOutOfRangeAndUnknownTopic) {
  log_.trim_before("app", 2);
  EXPECT_EQ(read_fetch_v11(ok(request(1, 11, fetch_body(11, 0)), true)).error, 1);
  EXPECT_EQ(read_fetch_v11(ok(request(1, 11, fetch_body(11, 99)), true)).error, 1);
  EXPECT_EQ(read_fetch_v11(ok(request(1, 11, fetch_body(11, 0, 100, "nope")), true)).error, 3);
}

TEST_F(KafkaServiceTest, FetchBelowOneBatchStillGetsOneWholeBatch) {
  const FetchedPartition p = read_fetch_v11(ok(request(1, 11, fetch_body(11, 0, 10))));
  auto records = decode_record_batches(p.records);
  ASSERT_TRUE(records);
  EXPECT_EQ(records.value().size(), 2u);  // the first batch only
}

TEST_F(KafkaServiceTest, OffsetCommitThenFetch) {
  Response c(ok(request(8, 2, [](WireWriter& w) {
    w.string("grp");
    w.i32(-1);
    w.string("");
    w.i64(-1);
    w.array_count(1);
    w.string("app");
    w.array_count(1);
    w.i32(0);
    w.i64(2);
    w.nullable_string("m");
  })));
  EXPECT_EQ(c.i32(), 77);
  EXPECT_EQ(c.i32(), 1);
  EXPECT_EQ(c.string(), "app");
  EXPECT_EQ(c.i32(), 1);
  EXPECT_EQ(c.i32(), 0);
  EXPECT_EQ(c.i16(), 0);
  Response f(ok(request(9, 5, [](WireWriter& w) {
    w.string("grp");
    w.array_count(1);
    w.string("app");
    w.array_count(1);
    w.i32(0);
  })));
  EXPECT_EQ(f.i32(), 77);
  EXPECT_EQ(f.i32(), 0);
  EXPECT_EQ(f.i32(), 1);
  EXPECT_EQ(f.string(), "app");
  EXPECT_EQ(f.i32(), 1);
  EXPECT_EQ(f.i32(), 0);
  EXPECT_EQ(f.i64(), 2);
  EXPECT_EQ(f.i32(), -1);
  EXPECT_EQ(f.nullable_string(), "m");
  EXPECT_EQ(f.i16(), 0);
  EXPECT_EQ(f.i16(), 0);
  EXPECT_TRUE(f.ok() && f.at_end());
}

TEST_F(KafkaServiceTest, FindCoordinatorIsThisConsumer) {
  Response r(ok(request(10, 2, [](WireWriter& w) {
    w.string("grp");
    w.i8(0);
  })));
  EXPECT_EQ(r.i32(), 77);
  EXPECT_EQ(r.i32(), 0);
  EXPECT_EQ(r.i16(), 0);
  EXPECT_EQ(r.nullable_string(), std::nullopt);
  EXPECT_EQ(r.i32(), 0);
  EXPECT_EQ(r.string(), "kafka.example");
  EXPECT_EQ(r.i32(), 9093);
  EXPECT_TRUE(r.at_end());
}

TEST_F(KafkaServiceTest, JoinSyncHeartbeatLeave) {
  Response j(ok(request(11, 5, join_body())));
  EXPECT_EQ(j.i32(), 77);
  EXPECT_EQ(j.i32(), 0);
  EXPECT_EQ(j.i16(), 0);
  const int32_t generation = j.i32();
  EXPECT_EQ(j.string(), "range");
  const std::string leader(j.string());
  const std::string member(j.string());
  EXPECT_EQ(leader, member);
  EXPECT_EQ(j.i32(), 1);
  EXPECT_EQ(j.string(), member);
  EXPECT_EQ(j.nullable_string(), std::nullopt);
  EXPECT_EQ(j.bytes(), "meta");
  EXPECT_TRUE(j.ok() && j.at_end());

  Response s(ok(request(14, 3, [&](WireWriter& w) {
    w.string("grp");
    w.i32(generation);
    w.string(member);
    w.nullable_string(std::nullopt);
    w.array_count(1);
    w.string(member);
    w.bytes("assignment");
  })));
  EXPECT_EQ(s.i32(), 77);
  EXPECT_EQ(s.i32(), 0);
  EXPECT_EQ(s.i16(), 0);
  EXPECT_EQ(s.bytes(), "assignment");

  auto heartbeat = [&](int32_t gen) {
    Response h(ok(request(12, 3, [&](WireWriter& w) {
      w.string("grp");
      w.i32(gen);
      w.string(member);
      w.nullable_string(std::nullopt);
    })));
    EXPECT_EQ(h.i32(), 77);
    EXPECT_EQ(h.i32(), 0);
    return h.i16();
  };
  EXPECT_EQ(heartbeat(generation), 0);
  EXPECT_EQ(heartbeat(generation + 1), 22);  // ILLEGAL_GENERATION

  Response l(ok(request(13, 1, [&](WireWriter& w) {
    w.string("grp");
    w.string(member);
  })));
  EXPECT_EQ(l.i32(), 77);
  EXPECT_EQ(l.i32(), 0);
  EXPECT_EQ(l.i16(), 0);
  EXPECT_EQ(heartbeat(generation), 25);  // UNKNOWN_MEMBER_ID
}

// Hostile input: never a crash, never an answer to a request that did not parse.

TEST_F(KafkaServiceTest, UnknownApiKeysAndWritesCloseTheConnection) {
  for (int16_t key : {4, 17, 19, 22, 999, -1}) {
    Reply r = service_.handle(request(key, 0), true);
    ASSERT_TRUE(r.close_reason) << key;
    EXPECT_NE(r.close_reason->find("unsupported api key"), std::string::npos);
  }
  Reply produce = service_.handle(request(0, 7, [](WireWriter& w) { w.i32(0); }), true);
  ASSERT_TRUE(produce.close_reason);
  EXPECT_NE(produce.close_reason->find("Produce refused"), std::string::npos);
  EXPECT_TRUE(service_.handle(request(1, 3, fetch_body(3, 0)), true).close_reason);
  EXPECT_TRUE(service_.handle(request(1, 12, fetch_body(11, 0)), true).close_reason);
}

TEST_F(KafkaServiceTest, EveryTruncationOfEveryRequestIsRefused) {
  const std::vector<std::string> requests = {
      request(1, 11, fetch_body(11, 0)),
      request(3, 8,
              [](WireWriter& w) {
                w.array_count(1);
                w.string("app");
                w.boolean(false);
                w.boolean(false);
                w.boolean(false);
              }),
      request(11, 5, join_body()),
  };
  for (const std::string& full : requests) {
    for (size_t n = 0; n < full.size(); ++n) {
      Reply r = service_.handle(std::string_view(full).substr(0, n), true);
      EXPECT_TRUE(r.close_reason) << n;
    }
  }
}

TEST_F(KafkaServiceTest, HugeCountsAndNegativeLengthsAreRefused) {
  Reply huge = service_.handle(request(3, 1, [](WireWriter& w) { w.i32(0x7FFFFFFF); }), true);
  ASSERT_TRUE(huge.close_reason);
  EXPECT_NE(huge.close_reason->find("count"), std::string::npos);
  Reply negative = service_.handle(request(3, 1, [](WireWriter& w) { w.i32(-5); }), true);
  EXPECT_TRUE(negative.close_reason);
  Reply bad_string = service_.handle(request(3, 1,
                                             [](WireWriter& w) {
                                               w.i32(1);
                                               w.i16(-3);
                                             }),
                                     true);
  EXPECT_TRUE(bad_string.close_reason);
  Reply huge_partitions = service_.handle(request(1, 4,
                                                  [](WireWriter& w) {
                                                    w.i32(-1);
                                                    w.i32(0);
                                                    w.i32(0);
                                                    w.i32(0);
                                                    w.i8(0);
                                                    w.i32(1);
                                                    w.string("app");
                                                    w.i32(0x10000000);
                                                  }),
                                          true);
  EXPECT_TRUE(huge_partitions.close_reason);
}

TEST_F(KafkaServiceTest, RandomBytesNeverCrash) {
  std::mt19937 rng(1234);
  const std::string seed = request(1, 11, fetch_body(11, 0));
  for (int i = 0; i < 20'000; ++i) {
    std::string mutated = seed;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    (void)service_.handle(mutated, false);
  }
}

}  // namespace
}  // namespace ferry::consumer::kafka
