#pragma once
// The cluster one run of `ferryctl bench pipeline` measures: N agent hosts (dc1-h1 ..
// dc1-hN, each tailing DIR/input/<host>/bench.log*) -> one broker -> one consumer,
// mTLS on loopback, every fsync on. With `subscribe` the consumer also keeps a live log
// and serves it over the Kafka protocol (a free port; the subscriber certificate cluster
// up makes from the cluster's CA); without, it has no [subscribe] table. Stopped (and its
// children reaped) however the run ends.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/ferryctl/kafka_subscriber.h"

namespace ferry::ferryctl {

struct DaemonCost {
  double cpu_seconds = 0;     // utime + stime over the measured interval
  uint64_t peak_rss_kib = 0;  // VmHWM just before the daemon is stopped
};

class BenchCluster {
 public:
  struct Options {
    std::string dir, bin_dir, roll_age;
    int hosts = 1;
    bool sealed = false;
    bool subscribe = false;
  };
  // Throws std::runtime_error when the cluster does not come up.
  explicit BenchCluster(const Options& options);
  ~BenchCluster();
  BenchCluster(const BenchCluster&) = delete;
  BenchCluster& operator=(const BenchCluster&) = delete;

  static constexpr const char* kCategory = "bench";
  // The file each agent tails (created by whoever writes it).
  const std::vector<std::string>& agent_files() const { return agent_files_; }
  const std::string& output_root() const { return output_root_; }
  // Where Kafka clients read the categories (only with Options::subscribe).
  const KafkaEndpoint& kafka_endpoint() const { return kafka_; }

  // Events the agents count DELIVERED (committed by the consumer), and SENT; -1 while
  // an agent does not answer.
  double delivered() const;
  double sent() const;
  // A daemon has exited (it should not, during a run); stays true once seen.
  bool any_exited() const;
  // Polls every 50 ms (calling `each_poll`) until the agents count `events` DELIVERED;
  // an error text when a daemon exits or the deadline passes first.
  std::string wait_delivered(uint64_t events, std::chrono::steady_clock::time_point deadline,
                             const std::function<void()>& each_poll = {}) const;

  // Starts the CPU clocks (call when the measured interval begins).
  void start_clock();
  // CPU since start_clock and peak RSS, read now: call before stop().
  void read_costs(std::vector<DaemonCost>& agents, DaemonCost& broker, DaemonCost& consumer) const;
  void stop();

 private:
  double sum_counter(const char* name) const;

  std::string dir_, output_root_;
  KafkaEndpoint kafka_;
  std::vector<pid_t> agents_;
  std::vector<int> agent_http_;
  std::vector<std::string> agent_files_;
  pid_t broker_ = 0, consumer_ = 0;
  std::vector<double> agent_cpu0_;
  double broker_cpu0_ = 0, consumer_cpu0_ = 0;
  bool stopped_ = false;
  mutable bool exited_ = false;  // waitpid reaps: remember what it said
};

}  // namespace ferry::ferryctl
