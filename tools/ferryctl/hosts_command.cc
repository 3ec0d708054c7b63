// ferryctl hosts forget HOST [--url URL] [--token-file F] [--dir DIR]: declare a host
// gone (hour completeness stops waiting for it); the consumer wants its admin token,
// read from F or from the cluster DIR made by `ferryctl cluster up` (which also gives
// the URL). ferryctl status --url URL: the host table, worst first.

#include <algorithm>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/http/admin_token.h"
#include "common/http/http_client.h"
#include "tools/ferryctl/cluster.h"
#include "tools/ferryctl/commands.h"

namespace ferry::ferryctl {
namespace {

struct ForgetOptions {
  std::string host;
  std::string url = "http://127.0.0.1:7580";
  std::string token_file;
  std::string dir;
};

// --dir fills in what was not given: the first consumer's URL and the cluster's token.
void apply_cluster(ForgetOptions& o, bool url_given) {
  if (o.dir.empty()) return;
  auto j = load_cluster(o.dir);
  if (o.token_file.empty()) o.token_file = j.value("admin_token_file", "");
  if (url_given) return;
  for (const auto& p : j["processes"]) {
    if (p["role"] == "consumer") {
      o.url = "http://127.0.0.1:" + std::to_string(p["http_port"].get<int>());
      return;
    }
  }
}

}  // namespace

void add_hosts_command(CLI::App& app) {
  auto o = std::make_shared<ForgetOptions>();
  auto* hosts = app.add_subcommand("hosts", "Host administration on a consumer");
  hosts->require_subcommand(1);
  auto* forget = hosts->add_subcommand("forget", "Declare HOST gone: hours stop waiting for it");
  forget->add_option("host", o->host, "Host name")->required();
  auto* url_opt =
      forget->add_option("--url", o->url, "Consumer HTTP address")->capture_default_str();
  forget->add_option("--token-file", o->token_file,
                     "File holding the consumer's admin token ([http] admin_token_file)");
  forget->add_option("--dir", o->dir,
                     "A cluster made by `ferryctl cluster up`: its consumer and admin token");
  forget->callback([o, url_opt] {
    apply_cluster(*o, url_opt->count() > 0);
    std::vector<std::pair<std::string, std::string>> headers;
    if (!o->token_file.empty()) {
      auto token = http::read_admin_token(o->token_file);
      if (!token) {
        std::cerr << "ferryctl hosts forget: cannot use token file " << o->token_file << ": "
                  << token.error().message() << "\n";
        throw CLI::RuntimeError(1);
      }
      headers.emplace_back("Authorization", "Bearer " + token.value());
    }
    auto r = http::fetch("POST", o->url + "/api/hosts/forget?host=" + o->host, {},
                         std::chrono::seconds(5), headers);
    if (!r || r.value().status != 200) {
      std::cerr << "ferryctl hosts forget: " << (r ? r.value().body : r.error().message()) << "\n";
      throw CLI::RuntimeError(1);
    }
    std::cout << r.value().body;
  });
}

void add_status_command(CLI::App& app) {
  auto url = std::make_shared<std::string>("http://127.0.0.1:7580");
  auto* status = app.add_subcommand("status", "Per-host unacked counts and lag, worst first");
  status->add_option("--url", *url, "Broker or consumer HTTP address")->capture_default_str();
  status->callback([url] {
    auto r = http::fetch("GET", *url + "/api/hosts");
    if (!r || r.value().status != 200) {
      std::cerr << "ferryctl status: cannot read " << *url
                << "/api/hosts: " << (r ? std::to_string(r.value().status) : r.error().message())
                << "\n";
      throw CLI::RuntimeError(1);
    }
    auto j = nlohmann::json::parse(r.value().body);
    auto hosts = j["hosts"];
    std::vector<nlohmann::json> rows(hosts.begin(), hosts.end());
    // Worst first: disconnected, then by age of the oldest unacked event, then unacked.
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      if (a["connected"] != b["connected"]) return !a["connected"].template get<bool>();
      if (a["oldest_unacked_age_s"] != b["oldest_unacked_age_s"]) {
        return a["oldest_unacked_age_s"].template get<double>() >
               b["oldest_unacked_age_s"].template get<double>();
      }
      return a["unacked_events"].template get<uint64_t>() >
             b["unacked_events"].template get<uint64_t>();
    });
    std::printf("%-24s %-8s %-10s %12s %10s %14s\n", "HOST", "DC", "CONNECTED", "UNACKED",
                "OLDEST_MIN", "BACKLOG_BYTES");
    for (const auto& h : rows) {
      std::printf("%-24s %-8s %-10s %12llu %10.1f %14llu\n", h["host"].get<std::string>().c_str(),
                  h["dc"].get<std::string>().c_str(), h["connected"].get<bool>() ? "yes" : "NO",
                  static_cast<unsigned long long>(h["unacked_events"].get<uint64_t>()),
                  h["oldest_unacked_age_s"].get<double>() / 60.0,
                  static_cast<unsigned long long>(h["backlog_bytes"].get<uint64_t>()));
    }
  });
}

}  // namespace ferry::ferryctl
