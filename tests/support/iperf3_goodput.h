#pragma once
// iperf3 between two network namespaces, the baseline a WAN benchmark shows beside
// Ferry's figures: `iperf3 -s -1` in `to`, then `iperf3 -c` from `from` with the given
// congestion control (-C) for `duration`; the receiver's bits per second (iperf3 -J,
// end.sum_received). Throws with iperf3's own error when it fails.

#include <chrono>
#include <string>

#include "tests/support/net_namespace.h"

namespace ferry::testing {

bool have_iperf3();

double iperf3_goodput(const NetNamespace& from, const NetNamespace& to, const std::string& to_addr,
                      const std::string& congestion, std::chrono::seconds duration);

}  // namespace ferry::testing
