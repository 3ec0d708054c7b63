#pragma once
// A small real Ferry topology for integration and fault tests: one consumer, some
// brokers of one DC and some agents, each a separate process on loopback, with real
// certificates. Processes can be SIGKILLed and restarted with the same config and
// state. Output is checked by reading the consumer's committed zstd files.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/tls/role_claim.h"
#include "common/tls/tls_options.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace ferry::testing {

struct MiniClusterOptions {
  int brokers = 1;
  // Consumers "consumer" (id consumer-1), "consumer-2".. sharing one output; with
  // ZooKeeper they split the streams. Brokers list only the first.
  int consumers = 1;
  int agents = 1;
  std::string category = "events";
  std::string consumer_extra;  // TOML lines appended to the consumer config's top level
  std::string consumer_output =
      "roll_age = \"300ms\"\ncommit_interval = \"100ms\"";  // its [output] table
  std::string consumer_tables;  // TOML tables appended to every consumer config ("[subscribe]..")
  std::string agent_extra;   // ... to every agent config's top level (before its tables)
  std::string broker_extra;  // TOML lines appended to every broker config's top level
  std::string
      broker_tables;  // TOML tables appended to every broker config, e.g. "[connections]\n..."
  std::string agent_batch = "linger = \"50ms\"";    // the agents' [batch] table
  std::map<std::string, std::string> consumer_env;  // e.g. FERRY_CRASH_POINTS
  // More certificates from the cluster's CA, e.g. for a test playing a hostile peer.
  std::vector<tls::RoleClaim> extra_identities;
  bool log_to_files = false;  // each daemon logs to daemon_log(name) instead of stderr
  // Every daemon's [tls] crl names crl_file(), made empty at start (revoke with
  // tls::revoke_dev_certs(dir()/"certs", ...), then SIGHUP).
  bool crl = false;
  // ZooKeeper hosts: every daemon gets a [zookeeper] table, and agents list no brokers
  // (they find them there).
  std::string zookeeper;
  // Network namespace of each daemon (by name, e.g. "broker-1"), see net_namespace.h;
  // absent: the test's own. With them, the addresses daemons listen on and dial.
  std::map<std::string, std::string> netns;
  std::string consumer_address = "127.0.0.1";
  std::string broker_address = "127.0.0.1";
};

class MiniCluster {
 public:
  explicit MiniCluster(MiniClusterOptions options);
  ~MiniCluster();

  void start_all();
  // Names: "consumer", "broker-1".., "agent-1"..; host names "h1"..
  void start(const std::string& name, std::map<std::string, std::string> env = {});
  void kill9(const std::string& name);
  void terminate(const std::string& name);
  // SIGTERM and wait; the exit status, or -1 if it had to be SIGKILLed.
  int stop_gracefully(const std::string& name, std::chrono::milliseconds limit);
  bool running(const std::string& name);
  // The running process's pid, or -1.
  pid_t pid(const std::string& name) const;
  // The network namespace a daemon runs in ("" for the test's own).
  std::string netns(const std::string& name) const;
  std::vector<std::string> names() const;

  // The file agent i (1-based) tails.
  std::string input_file(int agent) const;
  std::string host(int agent) const { return "h" + std::to_string(agent); }
  uint16_t consumer_http_port() const { return consumer_http_; }
  uint16_t consumer_port() const { return consumer_port_; }
  // Of consumer c (1-based; 1 is "consumer").
  uint16_t consumer_http_port(int c) const { return consumer_http_ports_.at(c - 1); }
  static std::string consumer_name(int c) {
    return c == 1 ? "consumer" : "consumer-" + std::to_string(c);
  }
  uint16_t broker_http_port(int broker) const { return broker_http_.at(broker - 1); }
  uint16_t broker_port(int broker) const { return broker_ports_.at(broker - 1); }
  const std::string& output_root() const { return output_; }
  // Where delivered_lines() reads (e.g. a fake HDFS's backing directory).
  void set_output_root(std::string root) { output_ = std::move(root); }
  std::string log(const std::string& name) const;
  // TLS files of an identity issued by the cluster's CA (its name: "h1", "broker-1"...).
  tls::TlsOptions tls_options(const std::string& identity) const;
  // The [log] file of a daemon when log_to_files is set.
  std::string daemon_log(const std::string& name) const;
  const TempDir& dir() const { return dir_; }
  std::string crl_file() const { return dir_.file("certs/ca.crl"); }
  // The consumer's admin token (POST /api/...) and the file holding it.
  const std::string& admin_token() const { return admin_token_; }
  std::string admin_token_file() const { return dir_.file("admin.token"); }

  // Every line of every committed output file (late/ included, temp files excluded).
  std::vector<std::string> delivered_lines() const;

  // The hostile-input suite's after-check: each daemon in `alive` still runs, every line
  // of `before` (delivered_lines() taken before the attack) is still delivered as often
  // (the output decodes), and the log of `daemon` names `reason`.
  void expect_unharmed(const std::vector<std::string>& alive,
                       const std::vector<std::string>& before, const std::string& daemon,
                       const std::string& reason);

 private:
  void write_configs();

  MiniClusterOptions options_;
  TempDir dir_;
  std::string output_;
  std::string admin_token_;
  uint16_t consumer_port_ = 0, consumer_http_ = 0;
  std::vector<uint16_t> broker_ports_, broker_http_;
  std::vector<uint16_t> consumer_ports_, consumer_http_ports_;
  std::map<std::string, std::string> configs_;
  std::map<std::string, std::unique_ptr<Process>> procs_;
};

uint16_t free_port();

// Syslog line with the current UTC time: "<134>Nov 23 07:48:36 <host> app: <body>\n".
std::string syslog_line(const std::string& host, const std::string& body);

}  // namespace ferry::testing
