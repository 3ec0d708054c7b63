#pragma once
// Checks shared by the replay tests (DESIGN §7): the lines of replay-<id>/ directories,
// each written line exactly once, and ferryctl replay start/status through the CLI.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/mini_cluster.h"

namespace ferry::testing {

// Lines of the committed files under every directory named `dir_name` (e.g.
// "replay-42"), or, with an empty name, outside any replay directory.
std::vector<std::string> lines_in(const std::string& root, const std::string& dir_name);

// Every "id=<host>:<n>" of `agents` x `per_agent` exactly once in `lines`.
void expect_each_once(const std::vector<std::string>& lines, int agents, int per_agent);

struct CtlRun {
  int status = -1;
  std::string out;
};

// A shell command, its exit status and its output (stdout and stderr).
CtlRun run(const std::string& cmd);
// " --url ... --token-file ..." for the cluster's consumer.
std::string target(const MiniCluster& c);
// Starts a replay of the last two hours through ferryctl; returns its id.
uint64_t start_replay(const MiniCluster& c, const std::string& extra = "");
// GET /api/replays/<id>.
nlohmann::json replay_json(const MiniCluster& c, uint64_t id);
// ferryctl replay status <id> --wait <seconds>.
CtlRun wait_replay(const MiniCluster& c, uint64_t id, int seconds);
bool consumer_up(const MiniCluster& c);
// Deletes every delivered hour of the category: what a downstream accident does.
void delete_output(const MiniCluster& c);
// Each replay-<id>/ directory holds _SUCCESS, and there is at least one.
void expect_success_files(const MiniCluster& c, uint64_t id);

}  // namespace ferry::testing
