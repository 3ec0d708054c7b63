#pragma once
// A loopback TCP port for a local cluster (tests, `ferryctl cluster`), free when chosen.
//
// The port is taken from below the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range), at random: a daemon binds it later, after it
// has started, and in the meantime an ephemeral port could be handed to any outgoing
// connection on the machine (another test's agent, say). Ports below the range are only
// ever taken by an explicit bind. Falls back to a kernel-chosen port when the range
// leaves no room below it. Never returns the same port twice in one process.

#include <cstdint>

namespace ferry::net {

uint16_t free_loopback_port();

}  // namespace ferry::net
