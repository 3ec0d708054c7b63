// The dashboard in a real browser (Debian's headless Chromium): the tiles in the
// rendered DOM match /api/hosts and the per-DC totals bars match /api/summary's dcs, on
// a broker and on the consumer; a host with old unacked events turns to the lagging
// colour; the hosts of a SIGKILLed broker turn to the disconnected colour on the
// consumer's page; the page is measured with a synthetic feed of 5,000 hosts; markup in
// the URL (?tz=) is shown as text and never runs.
// Screenshots are saved under the build directory (Testing/artifacts/).

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/delivery_check.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const char* kChromium = "/usr/bin/chromium";

std::string artifacts_dir() {
  std::string dir = std::string(FERRY_BIN_DIR) + "/../Testing/artifacts";
  fs::create_directories(dir);
  return dir;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// budget_ms of virtual time (timers run fast, clocks are virtual); real_ms > 0 waits in
// real time instead, for measurements.
std::string chromium(const std::string& url, const std::string& mode, int budget_ms = 5000,
                     int real_ms = 0) {
  TempDir profile;
  return run("timeout 90 " + std::string(kChromium) +
             " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
             "--disable-background-networking"
             " --disable-component-update --disable-sync --disable-dev-shm-usage --user-data-dir=" +
             profile.path().string() + " --window-size=1600,1000 " +
             (real_ms > 0 ? "--timeout=" + std::to_string(real_ms)
                          : "--virtual-time-budget=" + std::to_string(budget_ms)) +
             " " + mode + " '" + url + "' 2>/dev/null");
}

struct Tile {
  std::string cls;
  uint64_t unacked = 0;
  bool connected = false;
};

// Every host tile in a dumped DOM, by host name.
std::map<std::string, Tile> tiles_of(const std::string& dom) {
  std::map<std::string, Tile> out;
  std::regex tag(
      R"re(<div class="tile ([a-z]+)" data-host="([^"]+)" data-unacked="(\d+)" data-connected="(true|false)")re");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), tag); it != std::sregex_iterator();
       ++it) {
    out[(*it)[2]] = Tile{(*it)[1], std::stoull((*it)[3]), (*it)[4] == "true"};
  }
  return out;
}

// The per-DC totals bars in a dumped DOM: dc -> field -> the raw value the page shows.
std::map<std::string, std::map<std::string, double>> totals_of(const std::string& dom) {
  std::map<std::string, std::map<std::string, double>> out;
  std::regex bar(R"re(<div class="totals" data-dc="([^"]+)")re");
  std::regex stat(R"re(data-k="([a-z_]+)" data-v="([-0-9.e+]+)")re");
  std::vector<std::pair<size_t, std::string>> starts;
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), bar); it != std::sregex_iterator();
       ++it) {
    starts.emplace_back(it->position(), (*it)[1]);
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t end = i + 1 < starts.size() ? starts[i + 1].first : dom.size();
    std::string part = dom.substr(starts[i].first, end - starts[i].first);
    auto& fields = out[starts[i].second];
    for (auto it = std::sregex_iterator(part.begin(), part.end(), stat);
         it != std::sregex_iterator(); ++it) {
      fields[(*it)[1]] = std::stod((*it)[2]);
    }
  }
  return out;
}

nlohmann::json api_dcs(uint16_t port) {
  return nlohmann::json::parse(http_get(port, "/api/summary").body)["dcs"];
}

const char* kTotalsFields[] = {"hosts",
                               "hosts_lagging",
                               "hosts_disconnected",
                               "unacked_events",
                               "events_in_per_s",
                               "events_out_per_s",
                               "commit_batches_per_s",
                               "broker_backlog_batches",
                               "broker_backlog_bytes",
                               "brokers_stale"};

// Loads the page and checks that every DC's totals bar shows /api/summary's figures.
// The page's last refresh fetched the summary at some moment between `before` and
// `after`; with no new traffic every figure is monotonic over that time, so the shown
// value lies between the two. Returns the DOM.
std::string expect_totals_match(uint16_t port, const std::string& url,
                                nlohmann::json* before_out = nullptr) {
  auto before = api_dcs(port);
  std::string dom = chromium(url, "--dump-dom");
  auto after = api_dcs(port);
  auto shown = totals_of(dom);
  EXPECT_EQ(shown.size(), before.size()) << dom.substr(0, 2000);
  for (const auto& [dc, b] : before.items()) {
    SCOPED_TRACE("dc " + dc + " at " + url);
    EXPECT_TRUE(shown.count(dc) && after.contains(dc));
    if (!shown.count(dc) || !after.contains(dc)) continue;
    for (const char* k : kTotalsFields) {
      EXPECT_TRUE(shown[dc].count(k)) << k;
      if (!shown[dc].count(k)) continue;
      double lo = std::min(b[k].get<double>(), after[dc][k].get<double>());
      double hi = std::max(b[k].get<double>(), after[dc][k].get<double>());
      EXPECT_GE(shown[dc][k], lo - 1e-9) << k;
      EXPECT_LE(shown[dc][k], hi + 1e-9) << k;
    }
  }
  if (before_out) *before_out = before;
  return dom;
}

nlohmann::json api_hosts(uint16_t port) {
  auto j = nlohmann::json::parse(http_get(port, "/api/hosts").body);
  return j["hosts"];
}

// Waits for all `lines` to be delivered while sampling the DC's rates at `port`: the
// rates cover the last seconds only, so they are checked while the events flow.
void deliver_and_check_rates(const MiniCluster& cluster, uint16_t port, size_t lines) {
  double max_in = 0, max_out = 0, max_commit = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          auto d = api_dcs(port);
          if (d.contains("dc1")) {
            max_in = std::max(max_in, d["dc1"]["events_in_per_s"].get<double>());
            max_out = std::max(max_out, d["dc1"]["events_out_per_s"].get<double>());
            max_commit = std::max(max_commit, d["dc1"]["commit_batches_per_s"].get<double>());
          }
        } catch (const std::exception&) {}
        return cluster.delivered_lines().size() == lines && max_out > 0;
      },
      30s));
  EXPECT_GT(max_in, 0);
  EXPECT_GT(max_out, 0);
  EXPECT_GT(max_commit, 0);
}

// Waits until every host and the broker have reported, the DELIVERED acks behind the
// committed lines have reached every agent and the agents' next STATUS says so, and the
// broker's backlog figure (refreshed each second) is empty: committed files are visible
// a few synced writes and hops earlier.
void wait_settled(uint16_t port, size_t hosts) {
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          auto all = api_hosts(port);
          if (all.size() != hosts) return false;
          for (const auto& h : all) {
            if (h["unacked_events"].get<uint64_t>() != 0) return false;
          }
          auto d = api_dcs(port);
          return d.contains("dc1") && d["dc1"]["brokers_reporting"].get<uint64_t>() >= 1 &&
                 d["dc1"]["broker_backlog_batches"].get<uint64_t>() == 0;
        } catch (const std::exception&) {
          return false;
        }
      },
      30s))
      << "not every host reported, or unacked events or a broker backlog remain after delivery";
}

// Starts the two-agent cluster, has each agent write 100 lines, and returns once they
// are delivered (the DC's rates checked on the way) and the page at `port` has settled.
void start_and_deliver_200_lines(MiniCluster& cluster, uint16_t port) {
  cluster.start_all();
  for (int a = 1; a <= 2; ++a) {
    std::ofstream out(cluster.input_file(a), std::ios::app);
    for (int i = 0; i < 100; ++i) out << syslog_line(cluster.host(a), "id=" + std::to_string(i));
  }
  ASSERT_NO_FATAL_FAILURE(deliver_and_check_rates(cluster, port, 200));
  ASSERT_NO_FATAL_FAILURE(wait_settled(port, 2));
}

class DashboardBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kChromium))
      GTEST_SKIP() << "chromium is not installed (deploy/install-deps.sh installs it)";
  }
};

TEST_F(DashboardBrowserTest, TilesMatchTheApiAndALaggingHostTurnsRed) {
  MiniCluster cluster({.brokers = 1, .agents = 2});
  const uint16_t port = cluster.broker_http_port(1);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  ASSERT_NO_FATAL_FAILURE(start_and_deliver_200_lines(cluster, port));

  // 1. Everything delivered: two green tiles with the API's numbers, and the DC's totals
  // (the rates were checked above, while the events flowed).
  nlohmann::json dcs;
  auto tiles = tiles_of(expect_totals_match(port, url, &dcs));
  ASSERT_TRUE(dcs.contains("dc1"));
  EXPECT_EQ(dcs["dc1"]["hosts"], 2u);
  EXPECT_EQ(dcs["dc1"]["broker_backlog_batches"], 0u);
  auto hosts = api_hosts(port);
  ASSERT_EQ(tiles.size(), hosts.size());
  ASSERT_EQ(tiles.size(), 2u);
  for (const auto& h : hosts) {
    const auto& t = tiles[h["host"].get<std::string>()];
    EXPECT_EQ(t.unacked, h["unacked_events"].get<uint64_t>()) << h["host"];
    EXPECT_EQ(t.connected, h["connected"].get<bool>());
    EXPECT_EQ(t.cls, "ok");
  }

  // 2. The consumer goes away and only h1 writes: h1's events stay unacked and age.
  cluster.kill9("consumer");
  {
    std::ofstream out(cluster.input_file(1), std::ios::app);
    for (int i = 0; i < 50; ++i) out << syslog_line("h1", "id=late" + std::to_string(i));
  }
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& h : api_hosts(port)) {
          if (h["host"] == "h1" && h["unacked_events"].get<uint64_t>() == 50 &&
              h["oldest_unacked_age_s"].get<double>() > 4)
            return true;
        }
        return false;
      },
      30s));
  // lag_min=0.05: three seconds of age count as lagging on this page.
  // The broker now stores h1's batches awaiting COMMITTED: its backlog shows.
  ASSERT_TRUE(wait_until(
      [&] { return api_dcs(port)["dc1"]["broker_backlog_events"].get<uint64_t>() == 50; }, 10s));
  tiles_of(expect_totals_match(port, url, &dcs));
  EXPECT_GE(dcs["dc1"]["broker_backlog_batches"].get<uint64_t>(), 1u);
  EXPECT_GT(dcs["dc1"]["broker_backlog_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(dcs["dc1"]["unacked_events"], 50u);
  std::string lag_url = url + "?lag_min=0.05&warn_min=0.02";
  tiles = tiles_of(chromium(lag_url, "--dump-dom"));
  hosts = api_hosts(port);
  ASSERT_EQ(tiles.size(), 2u);
  EXPECT_EQ(tiles["h1"].cls, "lag");
  EXPECT_EQ(tiles["h1"].unacked, 50u);
  EXPECT_EQ(tiles["h2"].cls, "ok");
  EXPECT_EQ(tiles["h2"].unacked, 0u);
  for (const auto& h : hosts)
    EXPECT_EQ(tiles[h["host"].get<std::string>()].unacked, h["unacked_events"].get<uint64_t>());

  std::string shot = artifacts_dir() + "/dashboard_lagging_host.png";
  chromium(lag_url, "--screenshot=" + shot);
  EXPECT_TRUE(fs::exists(shot) && fs::file_size(shot) > 10'000) << shot;
  std::printf("screenshot: %s\n", fs::canonical(shot).c_str());
}

// The consumer's page shows every DC's totals from the consumer's summary (the broker's
// self-status gives the DC's backlog and is not a host); when the broker is SIGKILLed,
// its hosts turn to the disconnected colour there too.
// A subscriber reading a category live: the consumer's page lists it under "Live
// subscribers" with its position and lag, as /api/subscribers has them.
TEST_F(DashboardBrowserTest, ConsumerPageShowsALiveSubscriberAndItsLag) {
  if (std::system("/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-confluent-kafka is not installed (Debian package)";
  }
  const uint16_t kafka_port = free_port();
  MiniCluster cluster({.brokers = 1,
                       .agents = 2,
                       .consumer_tables = "[subscribe]\nlisten = \"127.0.0.1:" +
                                          std::to_string(kafka_port) + "\"\n",
                       .extra_identities = {tls::RoleClaim::subscriber("dash-reader")}});
  const uint16_t port = cluster.consumer_http_port();
  ASSERT_NO_FATAL_FAILURE(start_and_deliver_200_lines(cluster, port));
  auto t = cluster.tls_options("dash-reader");
  Process reader(
      "/usr/bin/python3",
      {std::string(FERRY_SOURCE_DIR) + "/tests/integration/kafka/follow.py",
       "127.0.0.1:" + std::to_string(kafka_port), "events", t.ca_file, t.cert_file, t.key_file},
      cluster.dir().file("reader.out"));
  // It has read all 200 lines once its fetches ask for offset 200.
  ASSERT_TRUE(wait_until(
      [&] {
        auto j = nlohmann::json::parse(http_get(port, "/api/subscribers").body);
        for (const auto& s : j["subscribers"]) {
          for (const auto& topic : s["topics"]) {
            if (topic["position"] == 200 && topic["lag"] == 0) return true;
          }
        }
        return false;
      },
      30s))
      << http_get(port, "/api/subscribers").body;
  const std::string dom = chromium("http://127.0.0.1:" + std::to_string(port) + "/", "--dump-dom");
  std::smatch body;
  ASSERT_TRUE(
      std::regex_search(dom, body, std::regex("<tbody id=\"subscribers-body\">(.*?)</tbody>")))
      << dom.substr(0, 3000);
  const std::string rows = body[1];
  EXPECT_NE(rows.find("<td>events</td><td>dash-reader (127.0.0.1)</td>"), std::string::npos)
      << rows;
  EXPECT_NE(rows.find("<td>200</td><td>0</td>"), std::string::npos) << rows;
  EXPECT_NE(dom.find("events offsets 0..200"), std::string::npos);
  chromium("http://127.0.0.1:" + std::to_string(port) + "/",
           "--screenshot=" + artifacts_dir() + "/dashboard_live_subscribers.png");
}

TEST_F(DashboardBrowserTest, ConsumerPageTotalsAndHostsOfAKilledBroker) {
  MiniCluster cluster({.brokers = 1, .agents = 2});
  const uint16_t port = cluster.consumer_http_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  ASSERT_NO_FATAL_FAILURE(start_and_deliver_200_lines(cluster, port));

  nlohmann::json dcs;
  auto tiles = tiles_of(expect_totals_match(port, url, &dcs));
  ASSERT_TRUE(dcs.contains("dc1"));
  EXPECT_EQ(dcs.size(), 1u);
  EXPECT_EQ(dcs["dc1"]["brokers_reporting"], 1u);
  EXPECT_EQ(dcs["dc1"]["hosts"], 2u);
  ASSERT_EQ(tiles.size(), 2u);  // h1 and h2; the broker's self-status is no tile
  EXPECT_EQ(tiles["h1"].cls, "ok");
  EXPECT_EQ(tiles["h2"].cls, "ok");
  std::string metrics = http_get(port, "/metrics").body;
  EXPECT_NE(metrics.find("ferry_dc_events_in_total{dc=\"dc1\"} 200\n"), std::string::npos);
  EXPECT_NE(metrics.find("ferry_dc_events_out_total{dc=\"dc1\"} 200\n"), std::string::npos);
  EXPECT_NE(metrics.find("ferry_dc_broker_backlog_batches{dc=\"dc1\"} 0\n"), std::string::npos);
  chromium(url, "--screenshot=" + artifacts_dir() + "/dashboard_consumer_totals.png");

  // The broker dies: the consumer stops hearing about h1 and h2 and, after its 15 s
  // staleness limit, shows them disconnected; the broker's report turns stale.
  cluster.kill9("broker-1");
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& h : api_hosts(port)) {
          if (h["connected"].get<bool>()) return false;
        }
        return true;
      },
      40s));
  ASSERT_TRUE(
      wait_until([&] { return api_dcs(port)["dc1"]["brokers_stale"].get<uint64_t>() == 1; }, 10s));
  tiles = tiles_of(expect_totals_match(port, url, &dcs));
  ASSERT_EQ(tiles.size(), 2u);
  for (const auto& [host, t] : tiles) {
    EXPECT_EQ(t.cls, "down") << host;
    EXPECT_FALSE(t.connected) << host;
  }
  EXPECT_EQ(dcs["dc1"]["hosts_disconnected"], 2u);
  EXPECT_EQ(dcs["dc1"]["brokers_stale"], 1u);
  std::string shot = artifacts_dir() + "/dashboard_consumer_broker_killed.png";
  chromium(url, "--screenshot=" + shot);
  EXPECT_TRUE(fs::exists(shot) && fs::file_size(shot) > 10'000) << shot;
  std::printf("screenshot: %s\n", fs::canonical(shot).c_str());
}

// 5,000 hosts from the page's synthetic feed: all tiles render; the first render (tile
// creation) and a refresh (in-place updates) are measured by the page itself.
TEST_F(DashboardBrowserTest, FiveThousandHostsRender) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start("broker-1");
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          return http_get(cluster.broker_http_port(1), "/healthz").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      20s));
  std::string url =
      "http://127.0.0.1:" + std::to_string(cluster.broker_http_port(1)) + "/?synthetic=5000";
  // The dump happens after a wall-clock wait; a loaded machine may need a longer one.
  std::string dom;
  for (int wait_ms : {9000, 20000, 45000}) {
    dom = chromium(url, "--dump-dom", 0, wait_ms);
    if (tiles_of(dom).size() == 5000u && dom.find("data-renders=\"") != std::string::npos) break;
  }
  EXPECT_EQ(tiles_of(dom).size(), 5000u);
  // The synthetic feed fills the five DCs' totals bars too.
  auto totals = totals_of(dom);
  EXPECT_EQ(totals.size(), 5u);
  for (const auto& [dc, fields] : totals) {
    EXPECT_EQ(fields.at("hosts"), 1000) << dc;
    EXPECT_GT(fields.at("events_in_per_s"), 0) << dc;
    EXPECT_GT(fields.at("broker_backlog_bytes"), 0) << dc;
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      dom, m,
      std::regex(
          R"re(id="perf"[^>]*data-renders="(\d+)" data-first="([\d.]+)" data-last="([\d.]+)")re")));
  std::printf(
      "5000 hosts: renders=%s first render %s ms, last render %s ms (headless Chromium, this "
      "machine)\n",
      m[1].str().c_str(), m[2].str().c_str(), m[3].str().c_str());
  // How many refreshes fit in the wait depends on the machine's load: the figures are
  // reported, not asserted (speed belongs to benchmarks, not tests).
  EXPECT_GE(std::stoi(m[1]), 1);
  chromium(url, "--screenshot=" + artifacts_dir() + "/dashboard_5000_hosts.png", 3000);
}

// The number of batches a node has quarantined (refused for good) is on its own page,
// from /api/summary's quarantined_batches, and in /metrics: two at the broker (an agent
// sent lies), one at the consumer (a broker sent one).
TEST_F(DashboardBrowserTest, EachNodesPageShowsItsQuarantineCount) {
  MiniClusterOptions o{.brokers = 1, .agents = 0};
  o.extra_identities = {tls::RoleClaim::agent("h1"), tls::RoleClaim::broker("dc1", "broker-x")};
  MiniCluster cluster(o);
  cluster.start("consumer");
  cluster.start("broker-1");
  ASSERT_TRUE(wait_until(
      [&] { return converse(cluster.broker_port(1), cluster.tls_options("h1"), {}).connected; },
      20s));
  auto lie = [](const std::string& host, uint64_t seq) {
    wire::BatchFrame b = one_line_batch(host, seq);
    b.header.flags = 0x80;  // an unknown flag
    return wire::encode(b);
  };
  converse(cluster.broker_port(1), cluster.tls_options("h1"),
           {wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h1", "dc1"}),
            lie("h1", 1), lie("h1", 2), wire::encode(one_line_batch("h1", 3))},
           wire::FrameType::kDelivered);
  converse(
      cluster.consumer_port(), cluster.tls_options("broker-x"),
      {wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kBroker, "broker-x", "dc1"}),
       lie("h9", 1), wire::encode(one_line_batch("h9", 2))},
      wire::FrameType::kCommitted);

  for (const auto& [port, want, metric] :
       {std::tuple{cluster.broker_http_port(1), 2, "ferry_broker_quarantined_batches 2\n"},
        std::tuple{cluster.consumer_http_port(), 1, "ferry_consumer_quarantined_batches 1\n"}}) {
    SCOPED_TRACE("port " + std::to_string(port));
    EXPECT_EQ(nlohmann::json::parse(http_get(port, "/api/summary").body)["quarantined_batches"],
              want);
    EXPECT_NE(http_get(port, "/metrics").body.find(metric), std::string::npos);
    std::string dom = chromium("http://127.0.0.1:" + std::to_string(port) + "/", "--dump-dom");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        dom, m,
        std::regex(
            R"re(<span class="quarantine bad" id="quarantine" data-v="(\d+)"[^>]*>([^<]*)</span>)re")))
        << dom.substr(dom.find("class=\"bar\""), 1500);
    EXPECT_EQ(std::stoi(m[1]), want);
    EXPECT_EQ(m[2].str(),
              std::to_string(want) + (want == 1 ? " batch" : " batches") + " quarantined");
  }
  chromium("http://127.0.0.1:" + std::to_string(cluster.broker_http_port(1)) + "/",
           "--screenshot=" + artifacts_dir() + "/dashboard_quarantine.png");
}

// A congestion control the kernel refuses (here one that does not exist) is on the
// refusing node's page, with the fix in its title, and in /api/summary; a node whose
// sockets got what they asked for shows nothing.
TEST_F(DashboardBrowserTest, ARefusedCongestionControlIsOnThePage) {
  MiniCluster cluster({.brokers = 1,
                       .agents = 1,
                       .broker_tables = "[consumer_socket]\ncongestion = \"nosuchcc\"\n"});
  cluster.start_all();
  write_and_deliver(cluster, 1, 200, 50, 60s);
  const uint16_t broker = cluster.broker_http_port(1);
  EXPECT_EQ(nlohmann::json::parse(http_get(broker, "/api/summary").body)["congestion_refused"],
            nlohmann::json::array({"nosuchcc"}));
  std::string dom = chromium("http://127.0.0.1:" + std::to_string(broker) + "/", "--dump-dom");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      dom, m,
      std::regex(
          R"re(<span class="quarantine bad" id="congestion" data-v="([^"]*)" title="([^"]*)">([^<]*)</span>)re")))
      << dom.substr(dom.find("class=\"bar\""), 1500);
  EXPECT_EQ(m[1].str(), "nosuchcc");
  EXPECT_NE(m[2].str().find("tcp_allowed_congestion_control"), std::string::npos)
      << "the fix is in the title";
  EXPECT_EQ(m[3].str(), "TCP congestion control refused: nosuchcc (WAN throughput at risk)");
  chromium("http://127.0.0.1:" + std::to_string(broker) + "/",
           "--screenshot=" + artifacts_dir() + "/dashboard_congestion.png");

  const bool kernel_has_bbr =
      read_file("/proc/sys/net/ipv4/tcp_available_congestion_control").find("bbr") !=
      std::string::npos;
  if (kernel_has_bbr && getuid() == 0) {  // root may pick any available one: the consumer got bbr
    dom = chromium("http://127.0.0.1:" + std::to_string(cluster.consumer_http_port()) + "/",
                   "--dump-dom");
    EXPECT_NE(dom.find(R"(<span class="quarantine bad" id="congestion" hidden="" data-v="")"),
              std::string::npos)
        << dom.substr(dom.find("class=\"bar\""), 1500);
  }
}

// ?tz= names the clocks' zones. A page link carrying markup there once ran its script
// (the labels went in as HTML): now the label is text, and the policy forbids inline
// handlers anyway.
TEST_F(DashboardBrowserTest, MarkupInTheTzParameterIsShownAsTextAndNeverRuns) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start("consumer");
  const uint16_t port = cluster.consumer_http_port();
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          return http_get(port, "/healthz").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      20s));
  // <img src=x onerror="document.title='pwned';window.ferryPwned=1">, URL-encoded.
  const std::string payload =
      "%3Cimg%20src%3Dx%20onerror%3D%22document.title%3D%27pwned%27%3Bwindow.ferryPwned%3D1%22%3E";
  std::string dom =
      chromium("http://127.0.0.1:" + std::to_string(port) + "/?tz=" + payload, "--dump-dom");
  ASSERT_NE(dom.find("id=\"clocks\""), std::string::npos) << dom.substr(0, 2000);
  EXPECT_EQ(dom.find("<title>pwned"), std::string::npos) << "the injected handler ran";
  EXPECT_EQ(dom.find("<img"), std::string::npos) << "the parameter became an element";
  EXPECT_NE(dom.find("&lt;img src=x onerror="), std::string::npos)
      << "the zone label is not shown as text";
}

// Beside each DC's totals, the page draws the last 15 minutes (in/s, committed/s,
// unacked) from the summary's per-DC history, which the node samples every 10 s.
TEST_F(DashboardBrowserTest, EachDcDrawsItsRecentTrend) {
  MiniCluster cluster({.brokers = 1, .agents = 2});
  for (uint16_t port : {cluster.consumer_http_port(), cluster.broker_http_port(1)}) {
    if (port == cluster.consumer_http_port()) {
      ASSERT_NO_FATAL_FAILURE(start_and_deliver_200_lines(cluster, port));
    }
    const auto history = api_dcs(port)["dc1"]["history"];
    ASSERT_TRUE(history.is_array() && !history.empty()) << api_dcs(port).dump();
    for (const auto& row : history) {
      ASSERT_EQ(row.size(), 4u) << row.dump();
      for (const auto& v : row) EXPECT_TRUE(v.is_number()) << row.dump();
    }
    const std::string dom =
        chromium("http://127.0.0.1:" + std::to_string(port) + "/", "--dump-dom");
    static const std::regex kChart(
        R"re(data-k="([123])" data-points="(\d+)"[^>]*><svg[^>]*><polyline points="([^"]*)")re");
    int charts = 0;
    for (std::sregex_iterator it(dom.begin(), dom.end(), kChart), end; it != end; ++it, ++charts) {
      const size_t points = std::stoul((*it)[2]);
      EXPECT_GE(points, 2u) << "at least one sample and the current value";
      const std::string pairs = (*it)[3];
      EXPECT_EQ(static_cast<size_t>(std::count(pairs.begin(), pairs.end(), ',')), points) << pairs;
    }
    EXPECT_EQ(charts, 3) << "in, committed and unacked for dc1 on port " << port;
  }
}

}  // namespace
}  // namespace ferry::testing
