// ferryctl certs: a development PKI for a Ferry deployment (DESIGN §10). One identity
// certificate per agent host, broker and consumer (plus an optional admin client), all
// signed by one CA in --out. An existing CA there is reused, so hosts can be added later.

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/tls/cert_factory.h"
#include "tools/ferryctl/commands.h"

namespace ferry::ferryctl {
namespace {

struct CertsArgs {
  std::string out_dir;
  std::vector<std::string> hosts;
  std::vector<std::string> brokers;
  std::vector<std::string> consumers;
  std::string admin;
};

// CLI11 runs this on each name (after splitting on commas); an empty string means valid.
std::string validate_name(const std::string& name) {
  auto checked = tls::check_identity_name(name);
  return checked ? std::string() : checked.error().text;
}

// Every identity once, in the order given: a name used for two roles gets one cert.
std::vector<std::string> identities(const CertsArgs& args) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& name) {
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  for (const auto* list : {&args.hosts, &args.brokers, &args.consumers}) {
    for (const auto& name : *list) add(name);
  }
  add(args.admin);
  return out;
}

void run_certs(const CertsArgs& args) {
  const std::filesystem::path out_dir(args.out_dir);
  auto pki = tls::make_dev_pki(out_dir, identities(args));
  if (!pki) {
    std::cerr << "ferryctl certs: " << pki.error().text << "\n";
    throw CLI::RuntimeError(1);
  }
  if (pki.value().ca_reused) {
    std::cout << "reused CA " << (out_dir / "ca.crt").string() << "\n";
  }
  for (const auto& path : pki.value().written) {
    std::cout << "wrote " << path.string() << (path.extension() == ".key" ? " (mode 0600)" : "")
              << "\n";
  }
}

}  // namespace

void add_certs_command(CLI::App& app) {
  auto args = std::make_shared<CertsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "certs", "Make a development CA (or reuse DIR/ca.crt + ca.key) and a certificate per identity");
  const CLI::Validator name_check(validate_name, "NAME");
  cmd->add_option("--out", args->out_dir, "Directory for ca.crt, ca.key, NAME.crt, NAME.key")
      ->required();
  cmd->add_option("--hosts", args->hosts, "Agent host names (comma separated)")
      ->delimiter(',')
      ->check(name_check);
  cmd->add_option("--brokers", args->brokers, "Broker names (comma separated)")
      ->delimiter(',')
      ->check(name_check);
  cmd->add_option("--consumers", args->consumers, "Consumer names (comma separated)")
      ->delimiter(',')
      ->check(name_check);
  cmd->add_option("--admin", args->admin, "Name of an admin client certificate")->check(name_check);
  cmd->callback([args] { run_certs(*args); });
}

}  // namespace ferry::ferryctl
