// ferryctl certs: a development PKI for a Ferry deployment (DESIGN §10). One identity
// certificate per agent host, broker and consumer (plus an optional admin client), all
// signed by one CA in --out, each granting its one role (common/tls/role_claim.h). The
// CA's key goes to --ca-dir (default DIR/ca/), apart from what hosts need. An existing CA
// is reused, so hosts can be added later. With --revoke, it instead
// lists those certificates in DIR/ca.crl (the daemons' `[tls] crl`).

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
  std::string dc;  // for brokers given without one
  std::string admin;
  std::vector<std::string> revoke;
  std::string ca_dir;  // empty: DIR/ca
};

// CLI11 runs this on each name (after splitting on commas); an empty string means valid.
std::string validate_name(const std::string& name) {
  auto checked = tls::check_identity_name(name);
  return checked ? std::string() : checked.error().text;
}

// A broker is "DC/ID", or "ID" with --dc.
std::string validate_broker(const std::string& spec) {
  size_t slash = spec.find('/');
  if (slash == std::string::npos) return validate_name(spec);
  std::string dc_error = validate_name(spec.substr(0, slash));
  return dc_error.empty() ? validate_name(spec.substr(slash + 1)) : dc_error;
}

tls::RoleClaim broker_claim(const std::string& spec, const std::string& default_dc) {
  size_t slash = spec.find('/');
  if (slash != std::string::npos)
    return tls::RoleClaim::broker(spec.substr(0, slash), spec.substr(slash + 1));
  if (default_dc.empty()) {
    std::cerr << "ferryctl certs: broker '" << spec << "' needs its DC: write DC/" << spec
              << " or pass --dc\n";
    throw CLI::RuntimeError(2);
  }
  return tls::RoleClaim::broker(default_dc, spec);
}

std::vector<tls::RoleClaim> identities(const CertsArgs& args) {
  std::vector<tls::RoleClaim> out;
  for (const auto& h : args.hosts) out.push_back(tls::RoleClaim::agent(h));
  for (const auto& b : args.brokers) out.push_back(broker_claim(b, args.dc));
  for (const auto& c : args.consumers) out.push_back(tls::RoleClaim::consumer(c));
  if (!args.admin.empty()) out.push_back(tls::RoleClaim::admin(args.admin));
  return out;
}

void run_revoke(const CertsArgs& args) {
  auto crl = tls::revoke_dev_certs(args.out_dir, args.revoke, {.ca_dir = args.ca_dir});
  if (!crl) {
    std::cerr << "ferryctl certs: " << crl.error().text << "\n";
    throw CLI::RuntimeError(1);
  }
  std::cout << "wrote " << crl.value().string() << " (revoked";
  for (const auto& name : args.revoke) std::cout << " " << name;
  std::cout << "); send SIGHUP to the daemons whose [tls] crl names it\n";
}

void run_certs(const CertsArgs& args) {
  if (!args.revoke.empty()) return run_revoke(args);
  const std::filesystem::path out_dir(args.out_dir);
  auto pki = tls::make_dev_pki(out_dir, identities(args), {.ca_dir = args.ca_dir});
  if (!pki) {
    std::cerr << "ferryctl certs: " << pki.error().text << "\n";
    throw CLI::RuntimeError(1);
  }
  if (!pki.value().moved_ca_key.empty()) {
    std::cout
        << "moved the CA key " << pki.value().moved_ca_key.string() << " to "
        << (args.ca_dir.empty() ? out_dir / "ca" : std::filesystem::path(args.ca_dir)).string()
        << "/ca.key, so that copying " << out_dir.string()
        << "'s files to hosts leaves it behind\n";
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
      "certs",
      "Make a development CA (or reuse DIR/ca.crt + its key) and a certificate per identity");
  const CLI::Validator name_check(validate_name, "NAME");
  cmd->add_option("--out", args->out_dir,
                  "Directory for ca.crt, NAME.crt, NAME.key (what hosts need)")
      ->required();
  cmd->add_option(
      "--ca-dir", args->ca_dir,
      "Directory for the CA's key ca.key, kept off the hosts (default DIR/ca, mode 0700)");
  cmd->add_option("--hosts", args->hosts, "Agent host names (comma separated)")
      ->delimiter(',')
      ->check(name_check);
  cmd->add_option("--brokers", args->brokers, "Brokers as DC/ID, or ID with --dc (comma separated)")
      ->delimiter(',')
      ->check(CLI::Validator(validate_broker, "DC/ID"));
  cmd->add_option("--dc", args->dc, "DC of the brokers given without one")->check(name_check);
  cmd->add_option("--consumers", args->consumers, "Consumer names (comma separated)")
      ->delimiter(',')
      ->check(name_check);
  cmd->add_option("--admin", args->admin, "Name of an admin client certificate")->check(name_check);
  cmd->add_option("--revoke", args->revoke,
                  "Revoke DIR/NAME.crt instead: add it to DIR/ca.crl (comma separated)")
      ->delimiter(',')
      ->check(name_check)
      ->excludes("--hosts")
      ->excludes("--brokers")
      ->excludes("--consumers")
      ->excludes("--admin");
  cmd->callback([args] { run_certs(*args); });
}

}  // namespace ferry::ferryctl
