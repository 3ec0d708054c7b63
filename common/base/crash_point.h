#pragma once
// Named crash points for fault tests. FERRY_CRASH_POINT("consumer.after_rename") kills
// the process with SIGKILL when the environment variable FERRY_CRASH_POINTS lists that
// name (comma separated). Optional "name@N" fires on the N-th pass. Off by default; the
// check is one cached lookup.

#include <string_view>

namespace ferry {

void crash_point(std::string_view name);

}  // namespace ferry

#define FERRY_CRASH_POINT(name) ::ferry::crash_point(name)
