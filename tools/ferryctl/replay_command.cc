// ferryctl replay start|status|cancel (DESIGN §7, docs/operations.md "Replay"): talks to
// a consumer's /api/replays. --dir takes the consumer's URL and the admin token from a
// cluster made by `ferryctl cluster up`; otherwise --url and --token-file.

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/base/utc_time.h"
#include "common/http/admin_token.h"
#include "common/http/http_client.h"
#include "tools/ferryctl/cluster.h"
#include "tools/ferryctl/commands.h"

namespace ferry::ferryctl {
namespace {

using nlohmann::json;

struct Target {
  std::string dir;
  std::string url;
  std::string token_file;
};

struct StartOptions {
  Target target;
  std::string from, to, source = "brokers";
  std::vector<std::string> categories, hosts, dcs;
  double rate_mb = 0;
};

struct StatusOptions {
  Target target;
  uint64_t id = 0;
  double wait_s = -1;
};

[[noreturn]] void fail(const std::string& what, const std::string& why, int code = 1) {
  std::cerr << "ferryctl replay " << what << ": " << why << "\n";
  throw CLI::RuntimeError(code);
}

void add_target(CLI::App* cmd, Target& t) {
  cmd->add_option("--dir", t.dir,
                  "A cluster made by `ferryctl cluster up`: its consumer and admin token");
  cmd->add_option("--url", t.url, "Consumer HTTP address (e.g. http://127.0.0.1:7580)");
  cmd->add_option("--token-file", t.token_file,
                  "File holding the consumer's admin token ([http] admin_token_file)");
}

// The consumer's URL and the headers (admin token) to send it.
std::pair<std::string, std::vector<std::pair<std::string, std::string>>> resolve(
    const std::string& what, Target t) {
  if (t.dir.empty() && t.url.empty()) fail(what, "give --dir CLUSTER_DIR or --url CONSUMER_URL");
  if (!t.dir.empty()) {
    auto j = load_cluster(t.dir);
    if (t.token_file.empty()) t.token_file = j.value("admin_token_file", "");
    if (t.url.empty()) {
      for (const auto& p : j["processes"]) {
        if (p["role"] == "consumer") {
          t.url = "http://127.0.0.1:" + std::to_string(p["http_port"].get<int>());
          break;
        }
      }
    }
    if (t.url.empty()) fail(what, "the cluster in " + t.dir + " has no consumer");
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (!t.token_file.empty()) {
    auto token = http::read_admin_token(t.token_file);
    if (!token)
      fail(what, "cannot use token file " + t.token_file + ": " + token.error().message());
    headers.emplace_back("Authorization", "Bearer " + token.value());
  }
  while (!t.url.empty() && t.url.back() == '/') t.url.pop_back();
  return {t.url, headers};
}

json get_json(const std::string& what, const std::string& url) {
  auto r = http::fetch("GET", url, {}, std::chrono::seconds(10));
  if (!r) fail(what, "cannot reach " + url + ": " + r.error().message());
  if (r.value().status != 200)
    fail(what, url + " answered " + std::to_string(r.value().status) + ": " + r.value().body);
  auto j = json::parse(r.value().body, nullptr, false);
  if (j.is_discarded()) fail(what, url + " did not answer JSON");
  return j;
}

std::string or_all(const json& names) {
  if (!names.is_array() || names.empty()) return "all";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n.get<std::string>();
  return out;
}

void print_status(const json& r) {
  std::printf("replay %llu: %s (source %s, %s .. %s, categories %s, hosts %s, dcs %s)\n",
              static_cast<unsigned long long>(r["id"].get<uint64_t>()),
              r["state"].get<std::string>().c_str(), r["source"].get<std::string>().c_str(),
              r["from"].get<std::string>().c_str(), r["to"].get<std::string>().c_str(),
              or_all(r["categories"]).c_str(), or_all(r["hosts"]).c_str(),
              or_all(r["dcs"]).c_str());
  std::printf("brokers done: %llu of %llu\n",
              static_cast<unsigned long long>(r["brokers_done"].get<uint64_t>()),
              static_cast<unsigned long long>(r["brokers_total"].get<uint64_t>()));
  for (const auto& b : r["brokers"]) {
    std::printf("  broker %-20s %-8s %s\n", b["broker"].get<std::string>().c_str(),
                b["dc"].get<std::string>().c_str(), b["state"].get<std::string>().c_str());
  }
  std::printf("%-24s %-24s %14s %14s\n", "HOST", "CATEGORY", "REPLAYED", "COMMITTED");
  for (const auto& s : r["streams"]) {
    std::printf("%-24s %-24s %14llu %14llu\n", s["host"].get<std::string>().c_str(),
                s["category"].get<std::string>().c_str(),
                static_cast<unsigned long long>(s["replayed_events"].get<uint64_t>()),
                static_cast<unsigned long long>(s["committed_events"].get<uint64_t>()));
  }
  for (const auto& m : r["missing"]) {
    std::printf("MISSING host %s category %s %s .. %s (broker %s): %s\n",
                m["host"].get<std::string>().c_str(), m["category"].get<std::string>().c_str(),
                m["from"].get<std::string>().c_str(), m["to"].get<std::string>().c_str(),
                m["broker"].get<std::string>().c_str(), m["reason"].get<std::string>().c_str());
  }
  if (!r["reason"].get<std::string>().empty())
    std::printf("reason: %s\n", r["reason"].get<std::string>().c_str());
  std::printf("state: %s\n", r["state"].get<std::string>().c_str());
}

void run_start(const StartOptions& o) {
  auto [url, headers] = resolve("start", o.target);
  auto from = parse_utc_time(o.from, false);
  auto to = parse_utc_time(o.to, true);
  if (!from) fail("start", "--from " + o.from + ": not 2026-12-02T09:00:00Z nor 2026-12-02/09");
  if (!to) fail("start", "--to " + o.to + ": not 2026-12-02T09:00:00Z nor 2026-12-02/09");
  if (*to <= *from) fail("start", "--to must be after --from");
  json body = {{"from_ms", *from}, {"to_ms", *to}, {"source", o.source}};
  if (!o.categories.empty()) body["categories"] = o.categories;
  if (!o.hosts.empty()) body["hosts"] = o.hosts;
  if (!o.dcs.empty()) body["dcs"] = o.dcs;
  if (o.rate_mb > 0) body["rate_bytes_per_s"] = static_cast<uint64_t>(o.rate_mb * 1024 * 1024);
  auto r =
      http::fetch("POST", url + "/api/replays", body.dump(), std::chrono::seconds(10), headers);
  if (!r) fail("start", "cannot reach " + url + ": " + r.error().message());
  if (r.value().status != 200) fail("start", r.value().body);
  auto j = json::parse(r.value().body, nullptr, false);
  if (j.is_discarded() || !j.contains("id")) fail("start", "unexpected answer: " + r.value().body);
  std::printf("replay of %s .. %s from %s started; %llu brokers asked\n",
              format_iso_ms(*from).c_str(), format_iso_ms(*to).c_str(), o.source.c_str(),
              static_cast<unsigned long long>(j["brokers"].get<uint64_t>()));
  std::printf("%llu\n", static_cast<unsigned long long>(j["id"].get<uint64_t>()));  // the id, last
}

void run_status(const StatusOptions& o) {
  auto [url, headers] = resolve("status", o.target);
  uint64_t id = o.id;
  if (id == 0) {
    auto all = get_json("status", url + "/api/replays");
    if (all["replays"].empty()) fail("status", "no replay on " + url);
    id = all["replays"][0]["id"].get<uint64_t>();
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(std::max(0.0, o.wait_s));
  while (true) {
    // While waiting, a consumer that is restarting is waited for too.
    if (o.wait_s >= 0 && std::chrono::steady_clock::now() < deadline) {
      auto probe = http::fetch("GET", url + "/api/replays/" + std::to_string(id), {},
                               std::chrono::seconds(5));
      if (!probe) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
    }
    auto r = get_json("status", url + "/api/replays/" + std::to_string(id));
    const auto state = r["state"].get<std::string>();
    if (o.wait_s < 0 || state != "running" || std::chrono::steady_clock::now() >= deadline) {
      print_status(r);
      if (o.wait_s < 0 || state == "complete") return;
      if (state == "running")
        fail("status", "replay " + std::to_string(id) + " still running at the deadline", 2);
      fail("status", "replay " + std::to_string(id) + " is " + state, 1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

void add_replay_command(CLI::App& app) {
  auto* replay = app.add_subcommand(
      "replay", "Re-send buffered logs of a time range into <hour>/replay-<id>/");
  replay->require_subcommand(1);

  auto s = std::make_shared<StartOptions>();
  auto* start = replay->add_subcommand("start", "Start a replay; prints its id as the last line");
  add_target(start, s->target);
  start
      ->add_option("--from", s->from,
                   "Start: 2026-12-02T09:00:00Z, or 2026-12-02/09 (that hour's start)")
      ->required();
  start
      ->add_option("--to", s->to,
                   "End, exclusive: 2026-12-02T10:00:00Z, or 2026-12-02/09 (that hour's end)")
      ->required();
  start->add_option("--category", s->categories, "Only this category (repeatable)");
  start->add_option("--host", s->hosts, "Only this host (repeatable)");
  start->add_option("--dc", s->dcs, "Only brokers of this datacenter (repeatable)");
  start->add_option("--source", s->source, "brokers (their retention) or hosts (the agents' files)")
      ->check(CLI::IsMember({"brokers", "hosts"}))
      ->capture_default_str();
  start
      ->add_option("--rate-mb", s->rate_mb,
                   "MiB/s each broker re-sends at (default: its [replay] rate)")
      ->check(CLI::PositiveNumber);
  start->callback([s] { run_start(*s); });

  auto st = std::make_shared<StatusOptions>();
  auto* status = replay->add_subcommand("status", "Progress of a replay (default: the newest)");
  add_target(status, st->target);
  status->add_option("id", st->id, "Replay id");
  status->add_option("--wait", st->wait_s,
                     "Wait up to SECONDS: exit 0 once complete, 1 if it failed or was cancelled, 2 "
                     "if still running");
  status->callback([st] { run_status(*st); });

  auto c = std::make_shared<std::pair<Target, uint64_t>>();
  auto* cancel = replay->add_subcommand("cancel", "Cancel a running replay");
  add_target(cancel, c->first);
  cancel->add_option("id", c->second, "Replay id")->required();
  cancel->callback([c] {
    auto [url, headers] = resolve("cancel", c->first);
    auto r = http::fetch("POST", url + "/api/replays/cancel?id=" + std::to_string(c->second), {},
                         std::chrono::seconds(10), headers);
    if (!r) fail("cancel", "cannot reach " + url + ": " + r.error().message());
    if (r.value().status != 200) fail("cancel", r.value().body);
    std::cout << r.value().body;
  });
}

}  // namespace ferry::ferryctl
