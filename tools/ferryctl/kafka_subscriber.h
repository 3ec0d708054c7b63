#pragma once
// One subscriber of `ferryctl bench pipeline --subscribers K`: an unmodified librdkafka
// consumer (C API, no group, nothing committed) reading partition 0 of a consumer's
// category from offset 0 over TLS, on its own thread from the constructor on. It may
// start before the topic exists: librdkafka asks for metadata again every 100 ms until
// the category appears. Per record it keeps the line's hash (to check exactly once
// against the input) and, for timed lines, receive time - write time.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct rd_kafka_message_s;
using rd_kafka_message_t = rd_kafka_message_s;

namespace ferry::ferryctl {

// Where a subscriber dials and the certificate it presents (ferry://subscriber/<name>).
struct KafkaEndpoint {
  std::string bootstrap;  // host:port
  std::string ca_file, cert_file, key_file;
};

class KafkaSubscriber {
 public:
  using Clock = std::chrono::steady_clock;

  // `expected`: records after which done_at() is noted (0: never; see expect()).
  KafkaSubscriber(const KafkaEndpoint& endpoint, std::string topic, std::string client_id,
                  uint64_t expected);
  ~KafkaSubscriber();
  KafkaSubscriber(const KafkaSubscriber&) = delete;
  KafkaSubscriber& operator=(const KafkaSubscriber&) = delete;

  void expect(uint64_t records) { expected_ = records; }
  uint64_t records() const { return records_.load(); }
  // When the expected count was reached; Clock::time_point{} until then.
  Clock::time_point done_at() const;
  // The first error other than "no such topic yet"; empty while none.
  std::string error() const;

  // Stops reading and closes the client; what follows reads the final state.
  void stop();
  const std::vector<uint64_t>& line_hashes() const { return hashes_; }
  // Microseconds from write to receive, one per timed record received.
  const std::vector<int64_t>& latencies_us() const { return latencies_us_; }

 private:
  void run(const KafkaEndpoint& endpoint, const std::string& client_id);
  void take(const rd_kafka_message_t& message, int64_t received_us);
  void fail(std::string why);  // keeps the first error

  std::string topic_;
  std::atomic<uint64_t> expected_;
  std::atomic<uint64_t> records_{0};
  std::atomic<Clock::rep> done_at_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex error_mutex_;
  std::string error_;
  std::vector<uint64_t> hashes_;
  std::vector<int64_t> latencies_us_;
  std::thread thread_;
};

}  // namespace ferry::ferryctl
