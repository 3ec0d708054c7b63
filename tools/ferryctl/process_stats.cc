#include "tools/ferryctl/process_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace ferry::ferryctl {

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15 of proc(5)
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

ProcMemory proc_memory(pid_t pid) {
  ProcMemory m;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {  // "VmRSS:     18432 kB"
    if (line.rfind("VmRSS:", 0) == 0) m.rss_bytes = std::stoull(line.substr(6)) * 1024;
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_bytes = std::stoull(line.substr(6)) * 1024;
  }
  return m;
}

uint64_t peak_rss_kib(pid_t pid) { return proc_memory(pid).hwm_bytes / 1024; }

uint64_t proc_open_file_limit(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  const std::string name = "Max open files";
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0) continue;
    std::istringstream fields(line.substr(name.size()));
    std::string soft;
    fields >> soft;
    if (soft == "unlimited") return UINT64_MAX;
    try {
      return std::stoull(soft);
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

}  // namespace ferry::ferryctl
