// A congestion control the kernel refuses is said loudly, with the fix, and shown in
// /metrics — traffic still flows on the system default.

#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/delivery_check.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

TEST(SocketTuningTest, RefusedCongestionControlIsLoudAndInMetrics) {
  MiniCluster cluster({.brokers = 1,
                       .agents = 1,
                       .broker_tables = "[consumer_socket]\ncongestion = \"nosuchcc\"\n"});
  cluster.start_all();
  write_and_deliver(cluster, 1, 2000, 50, 60s);
  const std::string metrics = http_get(cluster.broker_http_port(1), "/metrics").body;
  EXPECT_NE(metrics.find("ferry_socket_congestion_refused{congestion=\"nosuchcc\"} 1"),
            std::string::npos)
      << metrics;
  const std::string log = read_file(cluster.log("broker-1"));
  EXPECT_NE(log.find("congestion control 'nosuchcc' refused"), std::string::npos) << log;
  EXPECT_NE(log.find("tcp_allowed_congestion_control"), std::string::npos)
      << "the log says how to fix it";
  const bool kernel_has_bbr =
      read_file("/proc/sys/net/ipv4/tcp_available_congestion_control").find("bbr") !=
      std::string::npos;
  if (kernel_has_bbr && getuid() == 0) {  // root may pick any available one
    EXPECT_EQ(http_get(cluster.consumer_http_port(), "/metrics")
                  .body.find("ferry_socket_congestion_refused{"),
              std::string::npos)
        << "bbr, the default, is available on this kernel: nothing to report";
  }
}

}  // namespace
}  // namespace ferry::testing
