// ferryctl: the operator tool. Subcommands register themselves (see commands.h).

#include <CLI/CLI.hpp>

#include "common/app/build_info.h"
#include "tools/ferryctl/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Ferry operator tool", "ferryctl"};
  app.set_version_flag("-V,--version", ferry::app::version_line("ferryctl"));
  app.require_subcommand(1);
  ferry::ferryctl::add_certs_command(app);
  ferry::ferryctl::add_cluster_command(app);
  ferry::ferryctl::add_gen_command(app);
  ferry::ferryctl::add_verify_command(app);
  ferry::ferryctl::add_hosts_command(app);
  ferry::ferryctl::add_status_command(app);
  ferry::ferryctl::add_bench_command(app);
  ferry::ferryctl::add_quarantine_command(app);
  ferry::ferryctl::add_keys_command(app);
  ferry::ferryctl::add_replay_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
