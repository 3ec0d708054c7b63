#pragma once
// A network namespace a test makes for itself (`ip netns add`, so it needs root) and
// removes when it goes out of scope. Daemons are started inside one with
// Process(..., netns = name()); test code reaches into one with run_in().

#include <functional>
#include <string>

namespace ferry::testing {

// Why this process cannot make network namespaces and TUN devices, or "" if it can.
// Tests that need them GTEST_SKIP() with this reason.
std::string netns_unavailable_reason();

class NetNamespace {
 public:
  // `role` becomes part of the name ("ferry-<pid>-<n>-<role>"). Brings up lo. Throws
  // when the namespace cannot be made.
  explicit NetNamespace(const std::string& role);
  ~NetNamespace();
  NetNamespace(const NetNamespace&) = delete;
  NetNamespace& operator=(const NetNamespace&) = delete;

  const std::string& name() const { return name_; }
  // Runs `fn` on a thread that has entered this namespace (sockets it opens live there).
  void run_in(const std::function<void()>& fn) const;
  // `ip -n <name> <args>`; throws naming the command when it fails.
  void ip(const std::string& args) const;
  // Writes a sysctl of this namespace, e.g. ("net/ipv4/tcp_congestion_control", "cubic").
  void sysctl(const std::string& key, const std::string& value) const;

 private:
  std::string name_;
};

// Runs `fn` on a thread that has entered the namespace `name` (made by `ip netns add`);
// an empty name runs it here, in this thread's namespace.
void run_in_netns(const std::string& name, const std::function<void()>& fn);

// Runs a shell command; throws with its text and exit status when it fails.
void run_command(const std::string& command);

}  // namespace ferry::testing
