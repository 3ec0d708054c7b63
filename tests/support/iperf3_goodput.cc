#include "tests/support/iperf3_goodput.h"

#include <cstdio>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

namespace ferry::testing {
namespace {

// Each measurement its own port: a one-off server that just finished may still hold the last.
int next_port() {
  static int n = 0;
  return 5203 + n++ % 100;
}

// stdout of `command`; throws when it cannot run.
std::string output_of(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

}  // namespace

bool have_iperf3() { return std::system("command -v iperf3 >/dev/null 2>&1") == 0; }

double iperf3_goodput(const NetNamespace& from, const NetNamespace& to, const std::string& to_addr,
                      const std::string& congestion, std::chrono::seconds duration) {
  const std::string port = std::to_string(next_port());
  run_command("ip netns exec " + to.name() + " iperf3 -s -1 -D -p " + port);
  const std::string client = "ip netns exec " + from.name() + " iperf3 -J -c " + to_addr + " -p " +
                             port + " -C " + congestion + " -t " + std::to_string(duration.count());
  std::string error;
  // The daemonised server may take a moment to listen: retry a refused connection.
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto report = nlohmann::json::parse(output_of(client), nullptr, false);
    if (report.is_discarded()) throw std::runtime_error("iperf3 printed no JSON: " + client);
    if (!report.contains("error"))
      return report.at("end").at("sum_received").at("bits_per_second").get<double>();
    error = report["error"].get<std::string>();
    if (error.find("refused") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // A server that never got its client would hold the port: stop it (^ keeps the
  // pattern from matching this very shell command).
  run_command("ip netns exec " + to.name() + " pkill -f '^iperf3 -s -1 -D -p " + port +
              "' || true");
  throw std::runtime_error("iperf3 " + congestion + " to " + to_addr + " failed: " + error);
}

}  // namespace ferry::testing
