#include "tests/support/net_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace ferry::testing {
namespace {

constexpr const char* kNetnsDir = "/var/run/netns";

// Namespaces left by a test process that died without its destructors (SIGKILL,
// timeout): named ferry-<pid>-..., removed when <pid> no longer runs.
void remove_stale_namespaces() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kNetnsDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("ferry-", 0) != 0) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + 6));
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
      (void)std::system(("ip netns del " + name + " 2>/dev/null").c_str());
    }
  }
}

}  // namespace

void run_command(const std::string& command) {
  const int status = std::system((command + " 2>&1").c_str());
  if (status != 0)
    throw std::runtime_error("'" + command + "' failed (status " + std::to_string(status) + ")");
}

std::string netns_unavailable_reason() {
  if (::geteuid() != 0) return "needs root to make network namespaces (ip netns add)";
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "no /dev/net/tun";
  if (std::system("ip -V >/dev/null 2>&1") != 0) return "no ip command (iproute2)";
  static const std::string probe = [] {
    try {
      NetNamespace ns("probe");
      return std::string();
    } catch (const std::exception& e) {
      return std::string("cannot make a network namespace: ") + e.what();
    }
  }();
  return probe;
}

NetNamespace::NetNamespace(const std::string& role) {
  static std::atomic<int> counter{0};
  remove_stale_namespaces();
  name_ = "ferry-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + role;
  run_command("ip netns add " + name_);
  try {
    ip("link set lo up");
  } catch (...) {
    (void)std::system(("ip netns del " + name_).c_str());
    throw;
  }
}

NetNamespace::~NetNamespace() {
  (void)std::system(("ip netns del " + name_ + " 2>/dev/null").c_str());
}

void NetNamespace::ip(const std::string& args) const { run_command("ip -n " + name_ + " " + args); }

void NetNamespace::run_in(const std::function<void()>& fn) const { run_in_netns(name_, fn); }

void run_in_netns(const std::string& name, const std::function<void()>& fn) {
  if (name.empty()) {
    fn();
    return;
  }
  std::exception_ptr error;
  std::thread t([&] {
    try {
      const int fd = ::open((std::string(kNetnsDir) + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        throw std::runtime_error("cannot open namespace " + name + ": " + std::strerror(errno));
      const int rc = ::setns(fd, CLONE_NEWNET);
      const int err = errno;
      ::close(fd);
      if (rc != 0)
        throw std::runtime_error("cannot enter namespace " + name + ": " + std::strerror(err));
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  });
  t.join();
  if (error) std::rethrow_exception(error);
}

void NetNamespace::sysctl(const std::string& key, const std::string& value) const {
  run_in([&] {
    // /proc/sys/net shows the namespace of the thread that opens it.
    std::ofstream out("/proc/sys/" + key);
    out << value << "\n";
    out.flush();
    if (!out) throw std::runtime_error("cannot set " + key + " = " + value + " in " + name_);
  });
}

}  // namespace ferry::testing
