#include "common/app/open_file_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace ferry::app {

void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("cannot read the open-file limit: {}", std::strerror(errno));
    return;
  }
  const rlim_t before = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      spdlog::warn("cannot raise the open-file limit from {} to {}: {}", before, limit.rlim_max,
                   std::strerror(errno));
      return;
    }
    spdlog::info("open-file limit raised from {} to {}", before, limit.rlim_cur);
    return;
  }
  spdlog::info("open-file limit is {} (the hard limit)", limit.rlim_cur);
}

}  // namespace ferry::app
