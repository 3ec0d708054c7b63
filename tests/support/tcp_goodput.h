#pragma once
// Plain TCP goodput between two network namespaces, what iperf3 measures (wan_bench's
// baseline where iperf3 is not installed; WanLinkTest's rate check): one
// connection with the given congestion control sends as fast as it can for `duration`;
// the receiver counts what arrived in that time.

#include <chrono>
#include <string>

#include "tests/support/net_namespace.h"

namespace ferry::testing {

// Bits per second delivered from `from` to `to_addr` (an address in `to`).
double tcp_goodput(const NetNamespace& from, const NetNamespace& to, const std::string& to_addr,
                   const std::string& congestion, std::chrono::seconds duration);

}  // namespace ferry::testing
