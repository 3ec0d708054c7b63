#pragma once
// What a benchmark reads about a running daemon from /proc: CPU time used so far and
// the peak resident set size.

#include <sys/types.h>

#include <cstdint>

namespace ferry::ferryctl {

// utime + stime of a process, in seconds; -1 once it is gone.
double cpu_seconds(pid_t pid);

// VmHWM (peak resident set) of a process, in KiB; 0 once it is gone. Read it while the
// process still runs: a zombie has no memory to report.
uint64_t peak_rss_kib(pid_t pid);

}  // namespace ferry::ferryctl
