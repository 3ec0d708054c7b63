// ferryctl cluster up|down|status|kill|start --dir DIR

#include <iostream>

#include <CLI/CLI.hpp>

#include "tools/ferryctl/cluster.h"
#include "tools/ferryctl/commands.h"

namespace ferry::ferryctl {
namespace {

void check(const std::string& what, const std::string& error) {
  if (!error.empty()) {
    std::cerr << "ferryctl cluster " << what << ": " << error << "\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void add_cluster_command(CLI::App& app) {
  auto* cluster =
      app.add_subcommand("cluster", "Run a local multi-DC topology (demos, tests, benchmarks)");
  cluster->require_subcommand(1);

  auto opts = std::make_shared<ClusterOptions>();
  auto* up = cluster->add_subcommand(
      "up", "Make certificates and configs under DIR, start everything, wait until healthy");
  up->add_option("--dir", opts->dir, "Cluster directory")->required();
  up->add_option("--dcs", opts->dcs, "Datacenters")->capture_default_str();
  up->add_option("--brokers-per-dc", opts->brokers_per_dc, "Brokers per datacenter")
      ->capture_default_str();
  up->add_option("--hosts-per-dc", opts->hosts_per_dc, "Agent hosts per datacenter")
      ->capture_default_str();
  up->add_option("--consumers", opts->consumers, "Consumers")->capture_default_str();
  up->add_option("--categories", opts->categories, "Categories")
      ->delimiter(',')
      ->capture_default_str();
  up->add_option("--rate", opts->rate, "Generated lines per second, all hosts")
      ->capture_default_str();
  up->add_option("--events", opts->events, "Lines per host and category (0: no generator)")
      ->capture_default_str();
  up->add_option("--rotate-bytes", opts->rotate_bytes,
                 "The generator rotates files past this size (0: never)");
  up->add_option("--rotate-style", opts->rotate_style, "rename (+create), copytruncate, or mixed")
      ->check(CLI::IsMember({"rename", "copytruncate", "mixed"}))
      ->capture_default_str();
  up->add_flag("--sealed", opts->sealed,
               "Agents seal payloads, consumers open them (one key in DIR/seal-keys)");
  up->add_flag(
      "--zookeeper", opts->zookeeper,
      "Start a ZooKeeper server (Debian's zookeeper package); brokers and consumers register, "
      "agents find their brokers there");
  up->add_flag("!--no-subscribe", opts->subscribe,
               "Consumers serve no live reads over the Kafka protocol (no kafka_port)");
  up->add_option("--bin-dir", opts->bin_dir,
                 "Directory of ferry-agent, ferry-broker, ferry-consumer");
  up->callback([opts] {
    try {
      check("up", cluster_up(*opts));
    } catch (const CLI::Error&) {
      throw;
    } catch (const std::exception& e) {
      check("up", e.what());
    }
    auto j = load_cluster(opts->dir);
    std::cout << "cluster up in " << j["dir"].get<std::string>() << "\n";
    for (const auto& url : j["dashboards"])
      std::cout << "dashboard: " << url.get<std::string>() << "\n";
    std::cout << "output:    " << j["output_root"].get<std::string>() << "\n";
    if (j.contains("zookeeper"))
      std::cout << "zookeeper: " << j["zookeeper"].get<std::string>() << "\n";
    for (const auto& p : j["processes"]) {
      if (!p.contains("kafka_port")) continue;
      const auto& s = j["subscriber"];
      std::cout << "subscribe: kcat -C -b 127.0.0.1:" << p["kafka_port"].get<int>()
                << " -t CATEGORY -X security.protocol=ssl -X ssl.ca.location="
                << s["ca"].get<std::string>()
                << " -X ssl.certificate.location=" << s["cert"].get<std::string>()
                << " -X ssl.key.location=" << s["key"].get<std::string>() << "\n";
    }
  });

  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto* down =
      cluster->add_subcommand("down", "Stop every process (SIGTERM, then SIGKILL after 15 s)");
  down->add_option("--dir", *dir, "Cluster directory")->required();
  down->callback([dir] {
    try {
      check("down", cluster_down(*dir));
    } catch (const CLI::Error&) {
      throw;
    } catch (const std::exception& e) {
      check("down", e.what());
    }
    std::cout << "cluster in " << *dir << " stopped\n";
  });
  auto* status = cluster->add_subcommand("status", "Show every process and whether it is healthy");
  status->add_option("--dir", *dir, "Cluster directory")->required();
  status->callback([dir] {
    std::string table;
    try {
      check("status", cluster_status(*dir, table));
    } catch (const CLI::Error&) {
      throw;
    } catch (const std::exception& e) {
      check("status", e.what());
    }
    std::cout << table;
  });
  auto* kill = cluster->add_subcommand(
      "kill", "SIGKILL one process, e.g. broker-dc1-1, agent-dc2-h3, consumer-1");
  kill->add_option("component", *name, "Process name")->required();
  kill->add_option("--dir", *dir, "Cluster directory")->required();
  kill->callback([dir, name] {
    try {
      check("kill", cluster_kill(*dir, *name));
    } catch (const CLI::Error&) {
      throw;
    } catch (const std::exception& e) {
      check("kill", e.what());
    }
    std::cout << "killed " << *name << "\n";
  });
  auto* start =
      cluster->add_subcommand("start", "Start one stopped process again with its config and state");
  start->add_option("component", *name, "Process name")->required();
  start->add_option("--dir", *dir, "Cluster directory")->required();
  start->callback([dir, name] {
    try {
      check("start", cluster_start(*dir, *name));
    } catch (const CLI::Error&) {
      throw;
    } catch (const std::exception& e) {
      check("start", e.what());
    }
    std::cout << "started " << *name << "\n";
  });
}

}  // namespace ferry::ferryctl
