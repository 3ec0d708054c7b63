#include "tools/ferryctl/kafka_subscriber.h"

#include <librdkafka/rdkafka.h>

#include <array>
#include <memory>
#include <string_view>

#include "tools/ferryctl/bench_corpus.h"
#include "tools/ferryctl/delivery_count.h"
#include "tools/ferryctl/latency_probe.h"

namespace ferry::ferryctl {
namespace {

constexpr int32_t kPartition = 0;  // a category is one partition (docs/subscribe.md)

// Errors that only mean "the category has no batch yet": keep asking.
bool topic_not_there_yet(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__PARTITION_EOF || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
         err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
         err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
}

struct HandleCloser {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
};

}  // namespace

KafkaSubscriber::KafkaSubscriber(const KafkaEndpoint& endpoint, std::string topic,
                                 std::string client_id, uint64_t expected)
    : topic_(std::move(topic)),
      expected_(expected),
      thread_([this, endpoint, client_id] { run(endpoint, client_id); }) {}

KafkaSubscriber::~KafkaSubscriber() { stop(); }

void KafkaSubscriber::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

KafkaSubscriber::Clock::time_point KafkaSubscriber::done_at() const {
  return Clock::time_point(Clock::duration(done_at_.load()));
}

std::string KafkaSubscriber::error() const {
  std::lock_guard lock(error_mutex_);
  return error_;
}

void KafkaSubscriber::take(const rd_kafka_message_t& m, int64_t received_us) {
  if (m.err) {
    if (!topic_not_there_yet(m.err)) fail(rd_kafka_message_errstr(&m));
    return;
  }
  const std::string_view line(static_cast<const char*>(m.payload), m.len);
  hashes_.push_back(line_hash(line));
  uint64_t seq = 0;
  int64_t written_us = 0;
  if (parse_timed_line(line, seq, written_us)) latencies_us_.push_back(received_us - written_us);
  ++records_;
}

void KafkaSubscriber::fail(std::string why) {
  std::lock_guard lock(error_mutex_);
  if (error_.empty()) error_ = std::move(why);
}

void KafkaSubscriber::run(const KafkaEndpoint& endpoint, const std::string& client_id) {
  std::array<char, 512> why{};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, std::string> settings[] = {
      {"bootstrap.servers", endpoint.bootstrap},
      {"client.id", client_id},
      {"security.protocol", "ssl"},
      {"ssl.ca.location", endpoint.ca_file},
      {"ssl.certificate.location", endpoint.cert_file},
      {"ssl.key.location", endpoint.key_file},
      // The category appears with its first batch, after the subscriber started.
      {"topic.metadata.refresh.interval.ms", "100"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"log_level", "3"},  // errors only: "unknown topic" while waiting is expected
  };
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key, value.c_str(), why.data(), why.size()) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return fail(std::string("librdkafka ") + key + ": " + why.data());
    }
  }
  // rd_kafka_new takes the configuration only when it succeeds.
  std::unique_ptr<rd_kafka_t, HandleCloser> rk(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf, why.data(), why.size()));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return fail(std::string("librdkafka: ") + why.data());
  }
  std::unique_ptr<rd_kafka_topic_t, HandleCloser> rkt(
      rd_kafka_topic_new(rk.get(), topic_.c_str(), nullptr));
  if (!rkt || rd_kafka_consume_start(rkt.get(), kPartition, RD_KAFKA_OFFSET_BEGINNING) != 0) {
    return fail("cannot start reading " + topic_ + ": " + rd_kafka_err2str(rd_kafka_last_error()));
  }
  while (!stop_) {
    // One record at a time: rd_kafka_consume_batch waits for a full batch or its
    // timeout, which would time a record later than it arrived.
    if (rd_kafka_message_t* m = rd_kafka_consume(rkt.get(), kPartition, 100)) {
      take(*m, wall_clock_us());
      rd_kafka_message_destroy(m);
    }
    // Also after a timeout: a latency run says how many to expect only once written.
    const uint64_t expected = expected_.load();
    if (expected > 0 && records_ >= expected && done_at_.load() == 0)
      done_at_ = Clock::now().time_since_epoch().count();
  }
  rd_kafka_consume_stop(rkt.get(), kPartition);
}

}  // namespace ferry::ferryctl
