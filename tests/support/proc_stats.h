#pragma once
// What /proc says about a child process, for tests that bound its resources.

#include <sys/types.h>

#include <cstdint>

namespace ferry::testing {

// Resident set size in bytes (0 if unreadable).
uint64_t rss_bytes(pid_t pid);

}  // namespace ferry::testing
