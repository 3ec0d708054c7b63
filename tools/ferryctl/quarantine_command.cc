// ferryctl quarantine list --dir DATA_DIR: the batches a broker or consumer refused for
// good (common/storage/quarantine.h), one per line: name, bytes kept, reason. Reads the
// files directly, so it works with the daemon stopped; it needs read access to the data
// dir (group-readable by default, see docs/security.md).

#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common/log/printable.h"
#include "common/storage/quarantine.h"
#include "tools/ferryctl/commands.h"

namespace ferry::ferryctl {
namespace {

void run_list(const std::string& data_dir) {
  const std::string dir = data_dir + "/quarantine";
  auto batches = storage::Quarantine::list(dir);
  if (!batches) {
    std::cerr << "ferryctl quarantine: cannot read " << dir << ": " << batches.error().message()
              << "\n";
    throw CLI::RuntimeError(1);
  }
  for (const auto& b : batches.value()) {
    // Reasons quote peer-supplied text: print it escaped, as the daemons log it.
    std::cout << b.name << "\t" << b.bytes << "\t" << log::printable(b.reason) << "\n";
  }
  std::cout << batches.value().size() << " quarantined batches in " << dir << "\n";
}

}  // namespace

void add_quarantine_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("quarantine", "Batches a broker or consumer refused for good");
  cmd->require_subcommand(1);
  auto data_dir = std::make_shared<std::string>();
  CLI::App* list = cmd->add_subcommand(
      "list", "One line per batch: name, bytes kept (0: only the reason), reason");
  list->add_option("--dir", *data_dir, "The daemon's data_dir (its quarantine/ is read)")
      ->required();
  list->callback([data_dir] { run_list(*data_dir); });
}

}  // namespace ferry::ferryctl
