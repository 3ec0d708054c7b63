#pragma once
// ferryctl subcommands. Each lives in its own file (certs.cc, ...) and exposes one
// add_<name>_command(app) that registers a CLI11 subcommand with its options and a
// callback. main.cc calls every add_*_command and parses; nothing else.
//
// A callback reports failure by printing its own message to stderr and throwing
// CLI::RuntimeError(exit_code): CLI::App::exit() then returns that code silently.

namespace CLI {
class App;
}  // namespace CLI

namespace ferry::ferryctl {

// ferryctl certs --out DIR [--hosts h1,h2] [--brokers b1] [--consumers c1] [--admin NAME]
// Makes (or reuses) a development CA in DIR and a certificate per named identity.
void add_certs_command(CLI::App& app);

// ferryctl cluster up|down|status|kill|start --dir DIR (cluster_command.cc)
void add_cluster_command(CLI::App& app);
// ferryctl gen / ferryctl verify (traffic_commands.cc)
void add_gen_command(CLI::App& app);
void add_verify_command(CLI::App& app);
// ferryctl hosts forget HOST / ferryctl status (hosts_command.cc)
void add_hosts_command(CLI::App& app);
void add_status_command(CLI::App& app);
// ferryctl bench pipeline --dir DIR / bench hosts --agents N (bench_command.cc)
void add_bench_command(CLI::App& app);
// ferryctl quarantine list --dir DATA_DIR (quarantine_command.cc)
void add_quarantine_command(CLI::App& app);
// ferryctl keys new --dir DIR (keys_command.cc)
void add_keys_command(CLI::App& app);
// ferryctl replay start|status|cancel (replay_command.cc)
void add_replay_command(CLI::App& app);

}  // namespace ferry::ferryctl
