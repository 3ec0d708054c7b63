#include "tools/ferryctl/pipeline_bench.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/http/http_client.h"
#include "tools/ferryctl/cluster.h"
#include "tools/ferryctl/gen.h"
#include "tools/ferryctl/verify.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kHost = "dc1-h1";  // the one agent host of a 1-DC, 1-host cluster
constexpr const char* kCategory = "bench";

// utime + stime of a process, in seconds; -1 once it is gone.
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

// The sum of an unlabelled counter in Prometheus text, or -1 when absent.
double counter_value(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

// The corpus every repetition replays: `lines` generator lines (unique ids) for one
// host and category, made once and reused while it has the requested line count.
std::string make_corpus(const PipelineBenchOptions& o) {
  const std::string dir = o.dir + "/corpus-" + std::to_string(o.lines) + "x" + std::to_string(o.line_bytes);
  const std::string file = dir + "/" + kHost + "/" + kCategory + ".log";
  if (fs::exists(dir + "/complete")) return file;
  fs::remove_all(dir);
  GenOptions gen;
  gen.dir = dir;
  gen.hosts = {kHost};
  gen.categories = {kCategory};
  gen.events = o.lines;
  gen.rate = 0;
  gen.line_bytes = o.line_bytes;
  std::atomic<bool> stop{false};
  run_gen(gen, stop);
  std::ofstream(dir + "/complete") << o.lines << "\n";
  return file;
}

struct Roles {
  pid_t agent = 0, broker = 0, consumer = 0;
  int agent_http = 0;
  std::string input_dir, output_root;
};

Roles roles_of(const nlohmann::json& cluster) {
  Roles r;
  r.output_root = cluster["output_root"];
  for (const auto& p : cluster["processes"]) {
    const std::string role = p["role"];
    if (role == "agent") {
      r.agent = p["pid"];
      r.agent_http = p["http_port"];
      r.input_dir = p["input_dir"];
    } else if (role == "broker") {
      r.broker = p["pid"];
    } else if (role == "consumer") {
      r.consumer = p["pid"];
    }
  }
  return r;
}

void reap_children() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

PipelineRun run_once(const PipelineBenchOptions& o, const std::string& corpus, const std::string& dir) {
  PipelineRun run;
  run.lines = o.lines;
  run.bytes = fs::file_size(corpus);
  fs::remove_all(dir);
  ClusterOptions c;
  c.dir = dir;
  c.dcs = 1;
  c.brokers_per_dc = 1;
  c.hosts_per_dc = 1;
  c.consumers = 1;
  c.categories = {kCategory};
  c.events = 0;
  c.roll_age = o.roll_age;
  c.bin_dir = o.bin_dir;
  if (std::string e = cluster_up(c); !e.empty()) {
    run.error = "cluster up: " + e;
    return run;
  }
  const Roles r = roles_of(load_cluster(dir));
  const std::string metrics_url = "http://127.0.0.1:" + std::to_string(r.agent_http) + "/metrics";
  const double agent0 = cpu_seconds(r.agent), broker0 = cpu_seconds(r.broker), consumer0 = cpu_seconds(r.consumer);

  const auto start = Clock::now();
  fs::copy_file(corpus, r.input_dir + "/" + kCategory + ".log.tmp");
  fs::rename(r.input_dir + "/" + kCategory + ".log.tmp", r.input_dir + "/" + kCategory + ".log");
  const auto deadline = start + std::chrono::seconds(o.timeout_s);
  double delivered = 0;
  while (true) {
    auto m = http::fetch("GET", metrics_url, {}, std::chrono::seconds(2));
    if (m && m.value().status == 200) delivered = counter_value(m.value().body, "ferry_agent_delivered_events_total");
    if (delivered >= static_cast<double>(o.lines)) break;
    if (cpu_seconds(r.agent) < 0 || cpu_seconds(r.broker) < 0 || cpu_seconds(r.consumer) < 0) {
      run.error = "a process exited during the run; see " + dir + "/logs";
      break;
    }
    if (Clock::now() > deadline) {
      run.error = "timed out after " + std::to_string(o.timeout_s) + " s with " +
                  std::to_string(static_cast<uint64_t>(std::max(delivered, 0.0))) + " events delivered";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.cpu_agent = cpu_seconds(r.agent) - agent0;
  run.cpu_broker = cpu_seconds(r.broker) - broker0;
  run.cpu_consumer = cpu_seconds(r.consumer) - consumer0;
  cluster_down(dir);
  reap_children();
  if (run.error.empty()) {
    auto v = run_verify(fs::path(r.input_dir).parent_path().string(), r.output_root);
    if (!v) {
      run.error = "verify: " + v.error().message();
    } else {
      run.lost = v.value().lost;
      run.duplicated = v.value().duplicated;
      if (v.value().expected != o.lines) run.error = "the input held " + std::to_string(v.value().expected) + " ids";
    }
  }
  if (!o.keep && run.error.empty()) fs::remove_all(dir);
  return run;
}

}  // namespace

std::vector<PipelineRun> run_pipeline_bench(const PipelineBenchOptions& o,
                                            void (*report)(int rep, const PipelineRun& run)) {
  fs::create_directories(o.dir);
  const std::string corpus = make_corpus(o);
  std::vector<PipelineRun> runs;
  for (int rep = 1; rep <= o.reps; ++rep) {
    runs.push_back(run_once(o, corpus, o.dir + "/run-" + std::to_string(rep)));
    report(rep, runs.back());
  }
  return runs;
}

}  // namespace ferry::ferryctl
