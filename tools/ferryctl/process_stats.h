#pragma once
// What a benchmark reads about a running daemon from /proc: CPU time used so far, the
// resident set now and at its peak, and its open-file limit.

#include <sys/types.h>

#include <cstdint>

namespace ferry::ferryctl {

// utime + stime of a process, in seconds; -1 once it is gone.
double cpu_seconds(pid_t pid);

// VmHWM (peak resident set) of a process, in KiB; 0 once it is gone. Read it while the
// process still runs: a zombie has no memory to report.
uint64_t peak_rss_kib(pid_t pid);

struct ProcMemory {
  uint64_t rss_bytes = 0;  // VmRSS: resident now
  uint64_t hwm_bytes = 0;  // VmHWM: the most it has ever been resident
};

// Zeros once it is gone.
ProcMemory proc_memory(pid_t pid);

// The soft "Max open files" of the process; 0 if unreadable, UINT64_MAX if unlimited.
uint64_t proc_open_file_limit(pid_t pid);

}  // namespace ferry::ferryctl
