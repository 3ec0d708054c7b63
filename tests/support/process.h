#pragma once
// A real child process for integration and fault tests: spawn a binary with arguments
// and environment (optionally inside a network namespace, see net_namespace.h), its
// stdout+stderr going to a log file; kill it with SIGKILL or stop it with SIGTERM; wait
// with a deadline.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::testing {

class Process {
 public:
  Process(std::string binary, std::vector<std::string> args, std::string log_path,
          std::map<std::string, std::string> extra_env = {}, std::string netns = "");
  ~Process();  // SIGKILLs a child still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void kill9();
  void terminate();  // SIGTERM
  // Waits for exit; returns the exit status (or 128+signal), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// Polls `pred` every 20 ms until it is true or `timeout` passes.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

std::string bin_path(const std::string& name);  // build/bin/<name>

}  // namespace ferry::testing
