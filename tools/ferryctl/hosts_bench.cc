#include "tools/ferryctl/hosts_bench.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/http/http_client.h"
#include "common/tls/cert_factory.h"
#include "tools/ferryctl/agent_swarm.h"
#include "tools/ferryctl/cluster.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Descriptors the benchmark needs besides its connections: certificates, logs, HTTP.
constexpr rlim_t kSpareDescriptors = 256;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Every connection is a descriptor: the soft limit goes up to the hard one, and a run
// that still would not fit says so before it starts.
void ensure_descriptors(size_t agents) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("cannot read RLIMIT_NOFILE");
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  const rlim_t needed = static_cast<rlim_t>(agents) + kSpareDescriptors;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    throw std::runtime_error(std::to_string(agents) + " connections need " +
                             std::to_string(needed) + " open files; the limit is " +
                             std::to_string(limit.rlim_cur) +
                             " (raise the hard limit: ulimit -Hn, or LimitNOFILE= under systemd)");
  }
}

struct Target {
  pid_t broker_pid = 0;
  uint16_t broker_port = 0, broker_http = 0, consumer_http = 0;
  std::string dc, certs;
};

Target target_of(const nlohmann::json& cluster, const std::string& dir) {
  Target t;
  t.certs = dir + "/certs";
  for (const auto& p : cluster["processes"]) {
    const std::string role = p["role"];
    if (role == "broker" && t.broker_pid == 0) {
      t.broker_pid = p["pid"];
      t.broker_port = p["port"];
      t.broker_http = p["http_port"];
      t.dc = p["dc"];
    } else if (role == "consumer" && t.consumer_http == 0) {
      t.consumer_http = p["http_port"];
    }
  }
  if (t.broker_pid == 0) throw std::runtime_error("no broker in the cluster in " + dir);
  return t;
}

// GET /api/hosts three times; the median time and what the last reply held.
ApiTiming time_api_hosts(uint16_t port) {
  ApiTiming t;
  if (port == 0) return t;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/hosts";
  std::vector<double> ms;
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    auto reply = http::fetch("GET", url, {}, std::chrono::seconds(30));
    const double took = since(start) * 1000;
    if (!reply || reply.value().status != 200) return t;
    ms.push_back(took);
    t.bytes = reply.value().body.size();
    try {
      t.hosts = nlohmann::json::parse(reply.value().body)["hosts"].size();
    } catch (const std::exception&) {
      return t;
    }
  }
  std::sort(ms.begin(), ms.end());
  t.median_ms = ms[1];
  return t;
}

// The consumer hears of hosts from the STATUS frames the broker forwards: wait (up to
// 15 s) until it knows `hosts`, then time it.
ApiTiming time_consumer_api_hosts(uint16_t port, size_t hosts) {
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  ApiTiming t = time_api_hosts(port);
  while (t.median_ms >= 0 && t.hosts < hosts && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    t = time_api_hosts(port);
  }
  return t;
}

asio::awaitable<void> sleep_for(asio::io_context& io, std::chrono::seconds d) {
  asio::steady_timer t(io, d);
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// The timed part, on the swarm's io_context.
asio::awaitable<void> measure(asio::io_context& io, AgentSwarm& swarm, const HostsBenchOptions& o,
                              const Target& t, HostsBenchResult& r) {
  auto start = Clock::now();
  co_await swarm.connect_all();
  r.connect_seconds = since(start);
  start = Clock::now();
  co_await swarm.send_batches(std::chrono::seconds(o.timeout_s));
  r.store_seconds = since(start);
  co_await sleep_for(io, std::chrono::seconds(o.hold_s));
  r.idle = proc_memory(t.broker_pid);
  r.broker_api = time_api_hosts(t.broker_http);
  r.consumer_api = time_consumer_api_hosts(t.consumer_http, swarm.connected());
  r.connected = swarm.connected();
  r.stored = swarm.stored();
  r.failed = swarm.failed();
  r.first_error = swarm.first_error();
  swarm.close_all();
  co_await sleep_for(io, std::chrono::seconds(o.settle_s));
  r.after = proc_memory(t.broker_pid);
  io.stop();
}

}  // namespace

double HostsBenchResult::bytes_per_connection() const {
  if (connected == 0) return 0;
  return (static_cast<double>(idle.rss_bytes) - static_cast<double>(before.rss_bytes)) /
         static_cast<double>(connected);
}

HostsBenchResult run_hosts_bench(const HostsBenchOptions& o) {
  if (o.agents == 0) throw std::runtime_error("--agents must be at least 1");
  ensure_descriptors(o.agents);
  std::string dir = o.cluster;
  bool started = false;
  if (dir.empty()) {
    dir = fs::absolute(o.dir + "/cluster").string();
    fs::remove_all(dir);
    ClusterOptions c;
    c.dir = dir;
    c.dcs = 1;
    c.brokers_per_dc = 1;
    c.hosts_per_dc = 1;
    c.consumers = 1;
    c.categories = {"bench"};
    c.bin_dir = o.bin_dir;
    if (std::string e = cluster_up(c); !e.empty()) throw std::runtime_error("cluster up: " + e);
    started = true;
  }
  struct Down {
    std::string dir;
    bool active;
    ~Down() {
      if (!active) return;
      try {
        cluster_down(dir);
      } catch (const std::exception&) {}
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {}
    }
  } down{dir, started && !o.keep};

  const Target t = target_of(load_cluster(dir), dir);
  HostsBenchResult r;
  r.agents = o.agents;
  r.settle_seconds = o.settle_s;
  r.broker_open_file_limit = proc_open_file_limit(t.broker_pid);

  SwarmOptions s;
  s.broker_port = t.broker_port;
  s.dc = t.dc;
  s.ca_file = t.certs + "/ca.crt";
  s.parallel = o.parallel;
  auto start = Clock::now();
  auto issuer = tls::DevIssuer::open(t.certs);
  if (!issuer) throw std::runtime_error("the cluster's CA: " + issuer.error().text);
  for (size_t i = 1; i <= o.agents; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "%s-bench-h%05zu", t.dc.c_str(), i);
    auto id = issuer.value().issue(tls::RoleClaim::agent(name));
    if (!id) throw std::runtime_error(id.error().text);
    s.hosts.push_back(name);
    s.identities.push_back(std::move(id).value());
  }
  r.identities_seconds = since(start);

  r.before = proc_memory(t.broker_pid);
  asio::io_context io(1);
  AgentSwarm swarm(io, std::move(s));
  asio::co_spawn(io, measure(io, swarm, o, t, r), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  return r;
}

}  // namespace ferry::ferryctl
