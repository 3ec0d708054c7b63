// wan_bench: Ferry's goodput over an emulated WAN (DESIGN §9), beside plain TCP on the
// same link in the same run. Needs root (network namespaces, TUN devices).
//
//   build/bin/wan_bench [--rtt-ms 100] [--rate-mbit 100] [--loss 0,0.001,0.01]
//                       [--reps 3] [--mbytes 120] [--tcp-seconds 10] [--agent-window 128MiB]
//
// Per loss and repetition: three namespaces (agent, broker, consumer; default congestion
// control cubic, or reno where the host does not allow cubic) joined by two emulated
// links with the same delay, rate and loss (both directions). First iperf3 (or, where it
// is not installed, the same in-process) from the agent's namespace to the broker's for
// --tcp-seconds with cubic, then with bbr. Then a
// one-host Ferry pipeline with its default settings (the consumer's output rules
// too): --mbytes of syslog lines with random payloads (zstd keeps ~3/4 of them) appear
// at once in the agent's file, and the broker's and the consumer's /metrics are polled.
//   agent→broker: compressed payload bytes the broker received, over the time from its
//     first to its last received byte;
//   broker→consumer: the same bytes over the time from the consumer's first to its last
//     received batch (both hops run at once, as deployed).
// Every line is then checked delivered exactly once. Prints each run and a table of
// medians (Mbit/s and % of the link rate).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/delivery_check.h"
#include "tests/support/iperf3_goodput.h"
#include "tests/support/tcp_goodput.h"
#include "tests/support/wan_pipeline.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Options {
  int rtt_ms = 100;
  double rate_mbit = 100;
  std::vector<double> losses{0, 0.001, 0.01};
  int reps = 3;
  double mbytes = 120;
  int tcp_seconds = 10;
  std::string agent_window;  // the agent's [window] bytes, e.g. "128MiB"; empty: its default
};

struct Run {
  double cubic = 0, bbr = 0;  // Mbit/s
  double agent_hop = 0, consumer_hop = 0;
  uint64_t payload_bytes = 0;
  size_t lost = 0, duplicated = 0;
  std::string error;
};

// Writes `lines` syslog lines "id=h1:<n> payload=<random base64>" (~420 bytes each).
void write_corpus(const std::string& path, const MiniCluster& cluster, uint64_t lines) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::mt19937_64 rng(42);
  std::ofstream out(path, std::ios::binary);
  std::string payload(320, ' ');
  for (uint64_t n = 0; n < lines; ++n) {
    for (size_t i = 0; i < payload.size(); i += 10) {
      uint64_t r = rng();
      for (size_t j = 0; j < 10 && i + j < payload.size(); ++j, r >>= 6)
        payload[i + j] = kAlphabet[r & 63];
    }
    out << syslog_line(cluster.host(1),
                       "id=" + cluster.host(1) + ":" + std::to_string(n) + " payload=" + payload);
  }
}

Run run_once(const Options& o, double loss, uint64_t lines) {
  Run r;
  const auto link =
      wan(std::chrono::milliseconds(o.rtt_ms), static_cast<uint64_t>(o.rate_mbit * 1e6), loss);
  MiniClusterOptions mo;
  mo.agents = 1;
  mo.consumer_output = "";  // the consumer's own defaults decide when files are committed
  mo.agent_batch = "";
  if (!o.agent_window.empty()) mo.agent_extra = "[window]\nbytes = \"" + o.agent_window + "\"\n";
  WanPipeline p(mo, link, link);
  const auto tcp_time = std::chrono::seconds(o.tcp_seconds);
  // iperf3 when installed (deploy/install-deps.sh has it), else the same measurement in-process.
  auto baseline = have_iperf3() ? iperf3_goodput : tcp_goodput;
  r.cubic = baseline(p.agent_ns(), p.broker_ns(), p.agent_link().b_addr(), "cubic", tcp_time) / 1e6;
  r.bbr = baseline(p.agent_ns(), p.broker_ns(), p.agent_link().b_addr(), "bbr", tcp_time) / 1e6;

  MiniCluster& cluster = p.cluster();
  const std::string staged = cluster.dir().file("corpus.log");
  write_corpus(staged, cluster, lines);
  cluster.start_all();
  if (!wait_until([&] { return p.broker_metric("ferry_broker_agent_connections") >= 1; }, 30s)) {
    r.error = "the agent did not connect to the broker";
    return r;
  }
  std::filesystem::rename(staged, cluster.input_file(1) + ".1");  // matches the agent's glob

  // Polls until the broker has received nothing new for 5 s and the consumer has
  // received every batch the broker did.
  double first_b = -1, last_b_change = 0, first_c = -1, last_c_change = 0;
  double bytes = 0, batches = 0, consumer_batches = 0;
  const auto start = Clock::now();
  auto since = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  while (since() < 600) {
    std::this_thread::sleep_for(100ms);
    const double t = since();
    const double b = p.broker_metric("ferry_broker_received_bytes_total");
    const double n = p.broker_metric("ferry_broker_received_batches_total");
    const double c = p.consumer_metric("ferry_consumer_received_batches_total");
    if (b > 0 && first_b < 0) first_b = t;
    if (c > 0 && first_c < 0) first_c = t;
    if (b > bytes) bytes = b, last_b_change = t;
    batches = std::max(batches, n);
    if (c > consumer_batches) consumer_batches = c, last_c_change = t;
    if (bytes > 0 && t - last_b_change > 5 && consumer_batches >= batches) break;
  }
  if (consumer_batches < batches || bytes <= 0) {
    r.error = "not everything reached the consumer in 600 s";
    return r;
  }
  r.payload_bytes = static_cast<uint64_t>(bytes);
  // One poll interval of slack at each end: the first and last polls bound the transfer.
  r.agent_hop = bytes * 8 / std::max(0.1, last_b_change - first_b + 0.1) / 1e6;
  r.consumer_hop = bytes * 8 / std::max(0.1, last_c_change - first_c + 0.1) / 1e6;
  const Tally t = wait_for_delivery(cluster, 1, static_cast<int>(lines), 120s);
  r.lost = t.lost;
  r.duplicated = t.duplicated;
  return r;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::vector<double> parse_list(const std::string& s) {
  std::vector<double> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stod(item));
  return out;
}

int run(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--rtt-ms")
      o.rtt_ms = std::stoi(value());
    else if (a == "--rate-mbit")
      o.rate_mbit = std::stod(value());
    else if (a == "--loss")
      o.losses = parse_list(value());
    else if (a == "--reps")
      o.reps = std::stoi(value());
    else if (a == "--mbytes")
      o.mbytes = std::stod(value());
    else if (a == "--tcp-seconds")
      o.tcp_seconds = std::stoi(value());
    else if (a == "--agent-window")
      o.agent_window = value();
    else
      throw std::runtime_error("unknown argument " + a +
                               " (see the comment at the top of wan_bench_main.cc)");
  }
  const std::string why = netns_unavailable_reason();
  if (!why.empty()) {
    std::fprintf(stderr, "wan_bench: skipped: %s\n", why.c_str());
    return 77;
  }
  const auto lines = static_cast<uint64_t>(o.mbytes * 1e6 / 420);
  std::printf("link: %d ms RTT, %.0f Mbit/s each way; %llu lines (%.0f MB) per run\n", o.rtt_ms,
              o.rate_mbit, static_cast<unsigned long long>(lines), o.mbytes);
  const char* baseline_name = have_iperf3() ? "iperf3" : "tcp";
  std::vector<std::vector<Run>> all;
  for (double loss : o.losses) {
    all.emplace_back();
    for (int rep = 1; rep <= o.reps; ++rep) {
      Run r = run_once(o, loss, lines);
      std::printf(
          "loss %.3g%% rep %d: %s cubic %.1f, %s bbr %.1f, ferry agent->broker %.1f, "
          "broker->consumer %.1f "
          "Mbit/s (%.1f MB payload) lost=%zu duplicated=%zu%s%s\n",
          loss * 100, rep, baseline_name, r.cubic, baseline_name, r.bbr, r.agent_hop,
          r.consumer_hop, r.payload_bytes / 1e6, r.lost, r.duplicated,
          r.error.empty() ? "" : " ERROR: ", r.error.c_str());
      std::fflush(stdout);
      all.back().push_back(r);
    }
  }
  std::printf("\nmedians of %d (Mbit/s, %% of the %.0f Mbit/s link):\n\n", o.reps, o.rate_mbit);
  std::printf(
      "| loss | %s cubic | %s bbr | ferry agent → broker | ferry broker → consumer "
      "|\n|---|---|---|---|---|\n",
      baseline_name, baseline_name);
  int status = 0;
  for (size_t i = 0; i < o.losses.size(); ++i) {
    std::vector<double> c, b, a, f;
    for (const auto& r : all[i]) {
      if (!r.error.empty() || r.lost || r.duplicated) status = 1;
      c.push_back(r.cubic), b.push_back(r.bbr), a.push_back(r.agent_hop),
          f.push_back(r.consumer_hop);
    }
    auto cell = [&](double v) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f (%.0f %%)", v, v / o.rate_mbit * 100);
      return std::string(buf);
    };
    std::printf("| %.3g %% | %s | %s | %s | %s |\n", o.losses[i] * 100, cell(median(c)).c_str(),
                cell(median(b)).c_str(), cell(median(a)).c_str(), cell(median(f)).c_str());
  }
  return status;
}

}  // namespace
}  // namespace ferry::testing

int main(int argc, char** argv) {
  try {
    return ferry::testing::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wan_bench: %s\n", e.what());
    return 2;
  }
}
