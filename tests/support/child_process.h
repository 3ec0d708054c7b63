#pragma once
// Runs this test binary again as a child process with one gtest filter and extra
// environment variables (a fresh exec, so crash points and RocksDB start clean), and
// waits for it with a time limit. For crash tests: the child test skips itself unless
// its environment variable is set.

#include <string>
#include <utility>
#include <vector>

namespace ferry::testing {

struct ChildResult {
  bool timed_out = false;  // the child was killed after timeout_ms
  int status = 0;          // as from waitpid
};

ChildResult run_test_child(const std::string& gtest_filter,
                           const std::vector<std::pair<std::string, std::string>>& env,
                           int timeout_ms);

}  // namespace ferry::testing
