#include "tools/ferryctl/pipeline_bench.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <random>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/http/http_client.h"
#include "common/metrics/prometheus_text.h"
#include "tools/ferryctl/cluster.h"
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

// An unlabelled counter in a scrape, -1 when absent.
double counter_value(const std::string& text, const std::string& name) {
  return metrics::sample_value(text, name).value_or(-1);
}

// A corpus like the peers' (../shared/peers, `peers.py gen`): syslog lines from 64
// hosts and 6 apps carrying a JSON event with random users, tracks and durations and a
// unique seq, about 209 bytes each. Made once per line count and reused.
std::string make_corpus(const PipelineBenchOptions& o) {
  const std::string file = o.dir + "/corpus-" + std::to_string(o.lines) + ".log";
  if (fs::exists(file + ".complete")) return file;
  static const char* kEvents[] = {"song_completion", "song_start", "song_skip", "ad_impression", "search", "login"};
  static const char* kCountries[] = {"SE", "US", "GB", "DE", "BR", "MX", "IN", "JP", "FR", "ES", "NL", "PL"};
  static const char* kPlatforms[] = {"android", "ios", "web", "desktop-win", "desktop-mac", "ps5", "sonos", "car"};
  static const char* kContexts[] = {"playlist", "album", "artist", "radio", "search", "daily_mix", "podcast"};
  static const char* kApps[] = {"player", "playback-svc", "auth", "search-api", "ads-edge", "recommender"};
  std::mt19937_64 rng(7);
  auto pick = [&rng](const auto& list) { return list[rng() % std::size(list)]; };
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  const std::time_t start = std::time(nullptr) - 3600;
  int64_t ts_ms = int64_t{start} * 1000;
  char line[512];
  for (uint64_t seq = 0; seq < o.lines; ++seq) {
    ts_ms += static_cast<int64_t>(rng() % 8);
    const std::time_t t = ts_ms / 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
    const unsigned host = rng() % 64;
    int n = std::snprintf(
        line, sizeof line,
        "<134>%s host-%c%u %s[%u]: {\"event\":\"%s\",\"user\":\"u%u\",\"track\":\"t%08u\",\"ts\":%lld,"
        "\"ms_played\":%u,\"country\":\"%s\",\"platform\":\"%s\",\"ctx\":\"%s\",\"seq\":%llu}\n",
        stamp, 'a' + host / 16, host % 16 + 1, pick(kApps), 100 + static_cast<unsigned>(rng() % 64900), pick(kEvents),
        1 + static_cast<unsigned>(rng() % 9999999), 1 + static_cast<unsigned>(rng() % 99999999),
        static_cast<long long>(ts_ms), static_cast<unsigned>(rng() % 400001), pick(kCountries), pick(kPlatforms),
        pick(kContexts), static_cast<unsigned long long>(seq));
    out.write(line, n);
  }
  out.close();
  std::ofstream(file + ".complete") << o.lines << "\n";
  return file;
}

std::vector<std::string_view> sorted_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for_each_line(text, [&](std::string_view line) { lines.push_back(line); });
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Compares the input's lines with every delivered line, as multisets: a line delivered
// fewer times than written is lost, more times duplicated.
Result<void> count_lost_and_duplicated(const std::string& input, const std::string& output_root, PipelineRun& run) {
  std::string written;
  {
    std::ifstream in(input, std::ios::binary);
    written.assign(std::istreambuf_iterator<char>(in), {});
  }
  written.resize(written.rfind('\n') + 1);  // an unterminated last line is never sent
  std::string delivered;
  BOOST_OUTCOME_TRY(for_each_delivered_part(output_root, [&](std::string_view raw) { delivered += raw; }));
  auto want = sorted_lines(written), got = sorted_lines(delivered);
  run.lines = want.size();
  size_t i = 0, j = 0;
  while (i < want.size() || j < got.size()) {
    if (j == got.size() || (i < want.size() && want[i] < got[j])) {
      ++run.lost, ++i;
    } else if (i == want.size() || got[j] < want[i]) {
      ++run.duplicated, ++j;  // delivered but never written (or once more than written)
    } else {
      ++i, ++j;
    }
  }
  return success();
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

// The daemons are this process's children: once one exits it is a zombie, whose /proc
// entry is still there, so ask waitpid.
bool exited(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == pid; }

// Stops a run's cluster however the run ends.
class ClusterGuard {
 public:
  explicit ClusterGuard(std::string dir) : dir_(std::move(dir)) {}
  ~ClusterGuard() { stop(); }
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    try {
      cluster_down(dir_);
    } catch (const std::exception&) {  // no cluster.json: nothing started
    }
    reap_children();
  }

 private:
  std::string dir_;
  bool stopped_ = false;
};

PipelineRun run_once(const PipelineBenchOptions& o, const std::string& corpus, uint64_t lines,
                     const std::string& dir) {
  PipelineRun run;
  run.lines = lines;
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
  c.sealed = o.sealed;
  // Staged beside the cluster first (outside the agent's glob): the copy is not timed,
  // and the whole file appears at once with the rename.
  const std::string staged = dir + "/staged.log";
  fs::create_directories(dir);
  fs::copy_file(corpus, staged);
  ClusterGuard guard(dir);
  if (std::string e = cluster_up(c); !e.empty()) {
    run.error = "cluster up: " + e;
    return run;
  }
  const Roles r = roles_of(load_cluster(dir));
  const std::string metrics_url = "http://127.0.0.1:" + std::to_string(r.agent_http) + "/metrics";
  const double agent0 = cpu_seconds(r.agent), broker0 = cpu_seconds(r.broker), consumer0 = cpu_seconds(r.consumer);

  const auto start = Clock::now();
  fs::rename(staged, r.input_dir + "/" + kCategory + ".log");
  const auto deadline = start + std::chrono::seconds(o.timeout_s);
  double delivered = 0;
  while (true) {
    auto m = http::fetch("GET", metrics_url, {}, std::chrono::seconds(2));
    if (m && m.value().status == 200) {
      delivered = counter_value(m.value().body, "ferry_agent_delivered_events_total");
      if (run.sent_seconds == 0 && counter_value(m.value().body, "ferry_agent_sent_events_total") >= static_cast<double>(lines)) {
        run.sent_seconds = std::chrono::duration<double>(Clock::now() - start).count();
      }
    }
    if (delivered >= static_cast<double>(lines)) break;
    if (exited(r.agent) || exited(r.broker) || exited(r.consumer)) {
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
  guard.stop();
  if (run.error.empty()) {
    auto counted = count_lost_and_duplicated(corpus, r.output_root, run);
    if (!counted) run.error = "reading the output: " + counted.error().message();
  }
  if (!o.keep && run.error.empty()) fs::remove_all(dir);
  return run;
}

}  // namespace

std::vector<PipelineRun> run_pipeline_bench(const PipelineBenchOptions& o,
                                            const std::function<void(int rep, const PipelineRun& run)>& report) {
  fs::create_directories(o.dir);
  const std::string corpus = o.input.empty() ? make_corpus(o) : o.input;
  uint64_t lines = 0;
  {
    std::ifstream in(corpus, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + corpus);
    lines = std::count(std::istreambuf_iterator<char>(in), {}, '\n');
  }
  if (lines == 0) throw std::runtime_error(corpus + " holds no complete line");
  std::vector<PipelineRun> runs;
  for (int rep = 1; rep <= o.reps; ++rep) {
    try {
      runs.push_back(run_once(o, corpus, lines, o.dir + "/run-" + std::to_string(rep)));
    } catch (const std::exception& e) {
      runs.push_back(PipelineRun{.lines = lines, .error = e.what()});
    }
    report(rep, runs.back());
  }
  return runs;
}

}  // namespace ferry::ferryctl
