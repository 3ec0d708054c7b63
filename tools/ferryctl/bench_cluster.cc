#include "tools/ferryctl/bench_cluster.h"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/http/http_client.h"
#include "common/metrics/prometheus_text.h"
#include "tools/ferryctl/cluster.h"
#include "tools/ferryctl/process_stats.h"

namespace ferry::ferryctl {
namespace {

// The daemons are this process's children: once one exits it is a zombie, whose /proc
// entry is still there, so ask waitpid.
bool exited(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == pid; }

}  // namespace

BenchCluster::BenchCluster(const Options& o) : dir_(o.dir) {
  std::filesystem::create_directories(o.dir);
  ClusterOptions c;
  c.dir = o.dir;
  c.dcs = 1;
  c.brokers_per_dc = 1;
  c.hosts_per_dc = o.hosts;
  c.consumers = 1;
  c.categories = {kCategory};
  c.events = 0;
  c.roll_age = o.roll_age;
  c.bin_dir = o.bin_dir;
  c.sealed = o.sealed;
  c.subscribe = o.subscribe;
  if (std::string e = cluster_up(c); !e.empty()) {
    stop();
    throw std::runtime_error("cluster up: " + e);
  }
  const nlohmann::json cluster = load_cluster(o.dir);
  output_root_ = cluster["output_root"];
  kafka_.ca_file = cluster["subscriber"]["ca"];
  kafka_.cert_file = cluster["subscriber"]["cert"];
  kafka_.key_file = cluster["subscriber"]["key"];
  for (const auto& p : cluster["processes"]) {
    const std::string role = p["role"];
    if (role == "agent") {
      agents_.push_back(p["pid"]);
      agent_http_.push_back(p["http_port"]);
      agent_files_.push_back(p["input_dir"].get<std::string>() + "/" + kCategory + ".log");
    } else if (role == "broker") {
      broker_ = p["pid"];
    } else if (role == "consumer") {
      consumer_ = p["pid"];
      if (p.contains("kafka_port"))
        kafka_.bootstrap = "127.0.0.1:" + std::to_string(p["kafka_port"].get<int>());
    }
  }
}

BenchCluster::~BenchCluster() { stop(); }

double BenchCluster::sum_counter(const char* name) const {
  double sum = 0;
  for (int port : agent_http_) {
    auto m = http::fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/metrics", {},
                         std::chrono::seconds(2));
    if (!m || m.value().status != 200) return -1;
    sum += metrics::sample_value(m.value().body, name).value_or(0);
  }
  return sum;
}

double BenchCluster::delivered() const { return sum_counter("ferry_agent_delivered_events_total"); }
double BenchCluster::sent() const { return sum_counter("ferry_agent_sent_events_total"); }

bool BenchCluster::any_exited() const {
  for (pid_t a : agents_) exited_ = exited_ || exited(a);
  exited_ = exited_ || exited(broker_) || exited(consumer_);
  return exited_;
}

std::string BenchCluster::wait_delivered(uint64_t events,
                                         std::chrono::steady_clock::time_point deadline,
                                         const std::function<void()>& each_poll) const {
  double done = 0;
  while (true) {
    done = std::max(done, delivered());
    if (each_poll) each_poll();
    if (done >= static_cast<double>(events)) return {};
    if (any_exited()) return "a process exited during the run; see " + dir_ + "/logs";
    if (std::chrono::steady_clock::now() > deadline) {
      return "timed out with " + std::to_string(static_cast<uint64_t>(done)) + " of " +
             std::to_string(events) + " events delivered";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void BenchCluster::start_clock() {
  agent_cpu0_.clear();
  for (pid_t a : agents_) agent_cpu0_.push_back(cpu_seconds(a));
  broker_cpu0_ = cpu_seconds(broker_);
  consumer_cpu0_ = cpu_seconds(consumer_);
}

void BenchCluster::read_costs(std::vector<DaemonCost>& agents, DaemonCost& broker,
                              DaemonCost& consumer) const {
  agents.clear();
  for (size_t i = 0; i < agents_.size(); ++i) {
    agents.push_back({cpu_seconds(agents_[i]) - agent_cpu0_.at(i), peak_rss_kib(agents_[i])});
  }
  broker = {cpu_seconds(broker_) - broker_cpu0_, peak_rss_kib(broker_)};
  consumer = {cpu_seconds(consumer_) - consumer_cpu0_, peak_rss_kib(consumer_)};
}

void BenchCluster::stop() {
  if (stopped_) return;
  stopped_ = true;
  try {
    cluster_down(dir_);
  } catch (const std::exception&) {  // no cluster.json: nothing started
  }
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {  // reap the stopped daemons
  }
}

}  // namespace ferry::ferryctl
