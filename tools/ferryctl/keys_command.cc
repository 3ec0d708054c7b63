// ferryctl keys new --dir DIR: a new payload-sealing key (common/crypto/key_ring.h) with
// the next id. Copy it to every consumer first, SIGHUP them, then to the agents, which
// seal with the newest id once they have had their SIGHUP (docs/security.md).

#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common/crypto/key_ring.h"
#include "tools/ferryctl/commands.h"

namespace ferry::ferryctl {
namespace {

void run_new(const std::string& dir) {
  std::string why;
  auto id = crypto::make_key_file(dir, why);
  if (!id) {
    std::cerr << "ferryctl keys: " << why << "\n";
    throw CLI::RuntimeError(1);
  }
  std::cout << dir << "/" << id.value() << ".key\n";
}

}  // namespace

void add_keys_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("keys", "Payload-sealing keys (agents seal, consumers open)");
  cmd->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  CLI::App* make = cmd->add_subcommand(
      "new", "Writes DIR/<next id>.key (256 random bits, mode 0600); prints its path");
  make->add_option("--dir", *dir, "The keys directory ([seal] keys_dir); created 0700 if absent")
      ->required();
  make->callback([dir] { run_new(*dir); });
}

}  // namespace ferry::ferryctl
