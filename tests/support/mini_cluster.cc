#include "tests/support/mini_cluster.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "common/net/free_port.h"
#include "common/tls/cert_factory.h"
#include "tools/ferryctl/output_parts.h"
#include "tools/ferryctl/verify.h"

namespace ferry::testing {
namespace fs = std::filesystem;

uint16_t free_port() { return net::free_loopback_port(); }

std::string syslog_line(const std::string& host, const std::string& body) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
  return "<134>" + std::string(stamp) + " " + host + " app: " + body + "\n";
}

MiniCluster::MiniCluster(MiniClusterOptions options) : options_(std::move(options)) {
  output_ = dir_.file("output");
  fs::create_directories(output_);
  fs::create_directories(dir_.file("logs"));
  fs::create_directories(dir_.file("daemon-logs"));
  fs::create_directories(dir_.file("input"));
  for (int c = 0; c < std::max(1, options_.consumers); ++c) {
    consumer_ports_.push_back(free_port());
    consumer_http_ports_.push_back(free_port());
  }
  consumer_port_ = consumer_ports_[0];
  consumer_http_ = consumer_http_ports_[0];
  for (int i = 0; i < options_.brokers; ++i) {
    broker_ports_.push_back(free_port());
    broker_http_.push_back(free_port());
  }
  std::vector<tls::RoleClaim> ids;
  for (int c = 1; c <= std::max(1, options_.consumers); ++c)
    ids.push_back(tls::RoleClaim::consumer("consumer-" + std::to_string(c)));
  for (int i = 1; i <= options_.brokers; ++i)
    ids.push_back(tls::RoleClaim::broker("dc1", "broker-" + std::to_string(i)));
  for (int i = 1; i <= options_.agents; ++i) ids.push_back(tls::RoleClaim::agent(host(i)));
  ids.insert(ids.end(), options_.extra_identities.begin(), options_.extra_identities.end());
  auto pki = tls::make_dev_pki(dir_.path() / "certs", ids);
  if (!pki) throw std::runtime_error(pki.error().text);
  if (options_.crl) {
    auto crl = tls::revoke_dev_certs(dir_.path() / "certs", {});
    if (!crl) throw std::runtime_error(crl.error().text);
  }
  admin_token_ = "test-admin-token-" + std::to_string(consumer_http_);
  write_file(admin_token_file(), admin_token_ + "\n");
  write_configs();
}

MiniCluster::~MiniCluster() {
  for (auto& [name, p] : procs_) p->kill9();
}

std::string MiniCluster::input_file(int agent) const {
  return dir_.file("input/" + host(agent) + "/" + options_.category + ".log");
}

tls::TlsOptions MiniCluster::tls_options(const std::string& identity) const {
  std::string certs = dir_.file("certs");
  return {certs + "/" + identity + ".crt", certs + "/" + identity + ".key", certs + "/ca.crt"};
}

std::string MiniCluster::log(const std::string& name) const {
  return dir_.file("logs/" + name + ".log");
}
std::string MiniCluster::daemon_log(const std::string& name) const {
  return dir_.file("daemon-logs/" + name + ".log");
}

void MiniCluster::write_configs() {
  // `name` is the daemon's (see names()), `id` the one its certificate names.
  auto tls = [&](const std::string& id, const std::string& name) {
    std::string certs = dir_.file("certs");
    // With log_to_files each daemon writes its own log file (as deployed), else stderr.
    const std::string log_table =
        options_.log_to_files ? "[log]\nfile = \"" + daemon_log(name) + "\"\n" : "";
    return log_table + "[tls]\ncert = \"" + certs + "/" + id + ".crt\"\nkey = \"" + certs + "/" +
           id + ".key\"\nca = \"" + certs + "/ca.crt\"\n" +
           (options_.crl ? "crl = \"" + crl_file() + "\"\n" : "");
  };
  for (int c = 1; c <= std::max(1, options_.consumers); ++c) {
    const std::string id = "consumer-" + std::to_string(c), name = consumer_name(c);
    configs_[name] =
        "node_id = \"" + id + "\"\nlisten = \"" + options_.consumer_address + ":" +
        std::to_string(consumer_ports_[c - 1]) +
        "\"\nhttp_listen = \"127.0.0.1:" + std::to_string(consumer_http_ports_[c - 1]) +
        "\"\ndata_dir = \"" + dir_.file("data/" + name) + "\"\noutput_root = \"" + output_ +
        "\"\n" + options_.consumer_extra + "\n" + tls(id, name) + "[output]\n" +
        options_.consumer_output + "\n[http]\nadmin_token_file = \"" + admin_token_file() +
        "\"\n" + options_.consumer_tables;
  }
  std::string brokers_list;
  for (int i = 0; i < options_.brokers; ++i) {
    std::string id = "broker-" + std::to_string(i + 1);
    configs_[id] = "node_id = \"" + id + "\"\ndc = \"dc1\"\nlisten = \"" + options_.broker_address +
                   ":" + std::to_string(broker_ports_[i]) +
                   "\"\nhttp_listen = \"127.0.0.1:" + std::to_string(broker_http_[i]) +
                   "\"\ndata_dir = \"" + dir_.file("data/" + id) + "\"\nconsumers = [\"" +
                   options_.consumer_address + ":" + std::to_string(consumer_port_) + "\"]\n" +
                   options_.broker_extra + "\n" + tls(id, id) + options_.broker_tables + "\n";
    brokers_list += std::string(i ? ", " : "") + "\"" + options_.broker_address + ":" +
                    std::to_string(broker_ports_[i]) + "\"";
  }
  for (int a = 1; a <= options_.agents; ++a) {
    fs::create_directories(fs::path(input_file(a)).parent_path());
    std::ofstream(input_file(a), std::ios::app).flush();
    configs_["agent-" + std::to_string(a)] =
        "host = \"" + host(a) + "\"\ndc = \"dc1\"\nbrokers = [" +
        (options_.zookeeper.empty() ? brokers_list : "") + "]\nstate_dir = \"" +
        dir_.file("data/agent-" + std::to_string(a)) +
        "\"\npoll_interval = \"100ms\"\nstatus_interval = \"500ms\"\n" + options_.agent_extra +
        "\n[[source]]\ncategory = \"" + options_.category + "\"\npaths = [\"" + input_file(a) +
        "*\"]\ntimezone = \"UTC\"\n" + tls(host(a), "agent-" + std::to_string(a)) + "[batch]\n" +
        options_.agent_batch + "\n";
  }
  if (!options_.zookeeper.empty()) {
    for (auto& [name, text] : configs_) {
      text += "\n[zookeeper]\nhosts = \"" + options_.zookeeper + "\"\nsession_timeout = \"2s\"\n";
    }
  }
  for (const auto& [name, text] : configs_) {
    write_file(dir_.file("config/" + name + ".toml"), text);
  }
}

std::vector<std::string> MiniCluster::names() const {
  std::vector<std::string> out;
  for (int c = 1; c <= std::max(1, options_.consumers); ++c) out.push_back(consumer_name(c));
  for (int i = 1; i <= options_.brokers; ++i) out.push_back("broker-" + std::to_string(i));
  for (int i = 1; i <= options_.agents; ++i) out.push_back("agent-" + std::to_string(i));
  return out;
}

void MiniCluster::start_all() {
  for (const auto& n : names())
    start(n, n == "consumer" ? options_.consumer_env : std::map<std::string, std::string>{});
}

void MiniCluster::start(const std::string& name, std::map<std::string, std::string> env) {
  std::string binary = name.rfind("consumer", 0) == 0 ? "ferry-consumer"
                       : name.rfind("broker", 0) == 0 ? "ferry-broker"
                                                      : "ferry-agent";
  procs_[name] = std::make_unique<Process>(
      bin_path(binary), std::vector<std::string>{"--config", dir_.file("config/" + name + ".toml")},
      log(name), std::move(env), netns(name));
}

std::string MiniCluster::netns(const std::string& name) const {
  auto it = options_.netns.find(name);
  return it == options_.netns.end() ? "" : it->second;
}

pid_t MiniCluster::pid(const std::string& name) const {
  auto it = procs_.find(name);
  return it == procs_.end() ? -1 : it->second->pid();
}

void MiniCluster::kill9(const std::string& name) {
  auto it = procs_.find(name);
  if (it == procs_.end()) return;
  it->second->kill9();
  (void)it->second->wait(std::chrono::seconds(10));
}

void MiniCluster::terminate(const std::string& name) {
  auto it = procs_.find(name);
  if (it == procs_.end()) return;
  it->second->terminate();
  if (!it->second->wait(std::chrono::seconds(20))) it->second->kill9();
}

int MiniCluster::stop_gracefully(const std::string& name, std::chrono::milliseconds limit) {
  auto it = procs_.find(name);
  if (it == procs_.end()) return -1;
  it->second->terminate();
  auto status = it->second->wait(limit);
  if (!status) {
    it->second->kill9();
    (void)it->second->wait(std::chrono::seconds(10));
    return -1;
  }
  return *status;
}

bool MiniCluster::running(const std::string& name) {
  auto it = procs_.find(name);
  return it != procs_.end() && it->second->running();
}

std::vector<std::string> MiniCluster::delivered_lines() const {
  std::vector<std::string> lines;
  auto read = ferryctl::for_each_part(output_, {}, [&](std::string_view raw) {
    ferryctl::for_each_line(raw, [&](std::string_view line) { lines.emplace_back(line); });
  });
  if (!read)
    throw std::runtime_error("cannot read the output under " + output_ + ": " +
                             read.error().message());
  return lines;
}

void MiniCluster::expect_unharmed(const std::vector<std::string>& alive,
                                  const std::vector<std::string>& before, const std::string& daemon,
                                  const std::string& reason) {
  for (const auto& name : alive) EXPECT_TRUE(running(name)) << name << " died";
  std::map<std::string, int> now, then;
  for (const auto& l : delivered_lines()) ++now[l];
  for (const auto& l : before) ++then[l];
  for (const auto& [line, n] : then)
    EXPECT_EQ(now[line], n) << "'" << line << "' was delivered before, now it is not (as often)";
  EXPECT_NE(read_file(log(daemon)).find(reason), std::string::npos)
      << "no '" << reason << "' in the log of " << daemon;
}

}  // namespace ferry::testing
