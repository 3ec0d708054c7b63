// ferryctl: the operator tool. Subcommands register themselves (see commands.h).

#include <CLI/CLI.hpp>

#include "tools/ferryctl/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Ferry operator tool", "ferryctl"};
  app.require_subcommand(1);
  ferry::ferryctl::add_certs_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
