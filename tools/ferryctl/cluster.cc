#include "tools/ferryctl/cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/crypto/key_ring.h"
#include "common/http/admin_token.h"
#include "common/http/http_client.h"
#include "common/net/free_port.h"
#include "common/storage/durable_file.h"
#include "common/tls/cert_factory.h"
#include "tools/ferryctl/local_zookeeper.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

uint16_t free_port() { return net::free_loopback_port(); }

std::string self_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : p.parent_path().string();
}

// Starts argv detached (own session), output appended to `log`. Returns the pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setsid();
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int null = ::open("/dev/null", O_RDONLY);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  if (null >= 0) ::dup2(null, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

// Alive and still one of ours (pids get reused).
bool alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string cmd((std::istreambuf_iterator<char>(in)), {});
  return cmd.find("ferry") != std::string::npos ||
         cmd.find("org.apache.zookeeper") != std::string::npos;
}

// Exited: gone, or a zombie with no thread left. A SIGKILLed process loses its memory (and
// so its /proc cmdline, which alive() reads) before its threads close its files and
// release its locks, and its main thread turns zombie while the others may still be
// exiting: only when the main thread is all that is left are the files closed.
bool exited(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return true;
  const char state = stat[paren + 2];
  if (state != 'Z' && state != 'X') return false;
  std::error_code ec;
  auto tasks = std::distance(fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec),
                             fs::directory_iterator());
  return ec || tasks <= 1;
}

// For a process this one just spawned: waitpid knows exactly whether it has exited,
// where /proc reads race with its execve (an empty cmdline for a moment).
bool child_exited(pid_t pid) {
  if (pid <= 0) return true;
  const pid_t r = ::waitpid(pid, nullptr, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool healthy(const json& p) {
  if (!alive(p["pid"].get<pid_t>())) return false;
  const std::string role = p["role"];
  if (role == "broker" || role == "consumer") {
    auto r = http::fetch(
        "GET", "http://127.0.0.1:" + std::to_string(p["http_port"].get<int>()) + "/healthz", {},
        std::chrono::seconds(2));
    return r && r.value().status == 200;
  }
  if (role == "agent") return slurp(p["log"]).find("connected to broker") != std::string::npos;
  if (role == "zookeeper") return zookeeper_ready(static_cast<uint16_t>(p["port"].get<int>()));
  return true;
}

std::string tls_section(const std::string& certs, const std::string& id) {
  return "[tls]\ncert = \"" + certs + "/" + id + ".crt\"\nkey = \"" + certs + "/" + id +
         ".key\"\nca = \"" + certs + "/ca.crt\"\n";
}

std::string quoted_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", \"" : "\"") + v[i] + "\"";
  return s + "]";
}

void save(const std::string& dir, const json& j) {
  auto r = storage::durable_write(dir + "/cluster.json", j.dump(2));
  if (!r) throw std::runtime_error("cannot write " + dir + "/cluster.json: " + r.error().message());
}

json* find_process(json& j, const std::string& name) {
  for (auto& p : j["processes"]) {
    if (p["name"] == name) return &p;
  }
  return nullptr;
}

}  // namespace

json load_cluster(const std::string& dir) {
  std::ifstream in(dir + "/cluster.json");
  if (!in) throw std::runtime_error("no cluster in " + dir + " (cluster.json not found)");
  return json::parse(in);
}

std::string cluster_up(const ClusterOptions& o) {
  const std::string dir = fs::absolute(o.dir).string();
  if (fs::exists(dir + "/cluster.json")) {
    auto j = load_cluster(dir);
    for (const auto& p : j["processes"]) {
      if (alive(p["pid"].get<pid_t>())) {
        return "a cluster is already running in " + dir + " (see `ferryctl cluster status --dir " +
               dir + "`; stop it with `ferryctl cluster down --dir " + dir + "`)";
      }
    }
    return dir +
           " holds a stopped cluster; restart parts with `ferryctl cluster start NAME --dir " +
           dir + "` or remove the directory for a fresh one";
  }
  if (o.dcs < 1 || o.brokers_per_dc < 1 || o.hosts_per_dc < 1 || o.consumers < 1 ||
      o.categories.empty()) {
    return "--dcs, --brokers-per-dc, --hosts-per-dc and --consumers must be at least 1, and a "
           "category is needed";
  }
  const std::string bin = o.bin_dir.empty() ? self_dir() : fs::absolute(o.bin_dir).string();
  for (const char* b : {"ferry-agent", "ferry-broker", "ferry-consumer"}) {
    if (!fs::exists(bin + "/" + b))
      return std::string(b) + " not found in " + bin + " (use --bin-dir)";
  }
  for (const char* sub : {"certs", "config", "data", "logs", "input", "output"})
    fs::create_directories(dir + "/" + sub);
  const std::string certs = dir + "/certs";

  struct Node {
    std::string name, role, dc, id;
    uint16_t port = 0, http = 0, kafka = 0;
  };
  std::vector<Node> consumers, brokers, agents;
  for (int c = 1; c <= o.consumers; ++c) {
    consumers.push_back({"consumer-" + std::to_string(c), "consumer", "central",
                         "consumer-" + std::to_string(c), free_port(), free_port(),
                         o.subscribe ? free_port() : uint16_t{0}});
  }
  for (int d = 1; d <= o.dcs; ++d) {
    std::string dc = "dc" + std::to_string(d);
    for (int b = 1; b <= o.brokers_per_dc; ++b) {
      std::string id = "broker-" + dc + "-" + std::to_string(b);
      brokers.push_back({id, "broker", dc, id, free_port(), free_port()});
    }
    for (int h = 1; h <= o.hosts_per_dc; ++h) {
      std::string host = dc + "-h" + std::to_string(h);
      agents.push_back({"agent-" + host, "agent", dc, host, 0, free_port()});
    }
  }
  std::vector<tls::RoleClaim> ids;
  for (const auto& n : consumers) ids.push_back(tls::RoleClaim::consumer(n.id));
  for (const auto& n : brokers) ids.push_back(tls::RoleClaim::broker(n.dc, n.id));
  for (const auto& n : agents) ids.push_back(tls::RoleClaim::agent(n.id));
  // What a script points kcat at (README, "Subscribe to a category").
  ids.push_back(tls::RoleClaim::subscriber(kSubscriberName));
  auto pki = tls::make_dev_pki(certs, ids);
  if (!pki) return "cannot make certificates: " + pki.error().text;
  // The consumers' write endpoints (ferryctl hosts forget --dir) need this token.
  const std::string token_file = dir + "/admin.token";
  if (auto token = http::create_admin_token(token_file); !token) {
    return "cannot write " + token_file + ": " + token.error().message();
  }

  json j;
  j["dir"] = dir;
  j["output_root"] = dir + "/output";
  j["admin_token_file"] = token_file;
  j["subscriber"] = {{"cert", certs + "/" + kSubscriberName + ".crt"},
                     {"key", certs + "/" + kSubscriberName + ".key"},
                     {"ca", certs + "/ca.crt"}};
  j["processes"] = json::array();
  j["dashboards"] = json::array();
  std::vector<std::string> consumer_addrs;
  for (const auto& c : consumers) consumer_addrs.push_back("127.0.0.1:" + std::to_string(c.port));

  std::string zk_section;  // appended to every daemon's config
  if (o.zookeeper) {
    const uint16_t zk_port = free_port();
    const std::string cfg = write_zoo_cfg(dir + "/data/zookeeper", zk_port);
    j["zookeeper"] = "127.0.0.1:" + std::to_string(zk_port);
    j["processes"].push_back({{"name", "zookeeper"},
                              {"role", "zookeeper"},
                              {"dc", ""},
                              {"pid", 0},
                              {"port", zk_port},
                              {"http_port", 0},
                              {"log", dir + "/logs/zookeeper.log"},
                              {"argv", zookeeper_argv(cfg)}});
    zk_section = "[zookeeper]\nhosts = \"" + j["zookeeper"].get<std::string>() +
                 "\"\nsession_timeout = \"4s\"\n";
  }

  std::string seal_section;  // appended to agents' and consumers' configs
  if (o.sealed) {
    std::string why;
    if (!crypto::make_key_file(dir + "/seal-keys", why)) return "sealing key: " + why;
    seal_section = "[seal]\nkeys_dir = \"" + dir + "/seal-keys\"\n";
  }

  auto add = [&](const Node& n, const std::string& config_text, const std::string& binary,
                 json extra) {
    std::string config = dir + "/config/" + n.name + ".toml";
    std::ofstream(config) << config_text;
    json p = {{"name", n.name},
              {"role", n.role},
              {"dc", n.dc},
              {"id", n.id},
              {"config", config},
              {"log", dir + "/logs/" + n.name + ".log"},
              {"argv", {bin + "/" + binary, "--config", config}},
              {"pid", 0},
              {"port", n.port},
              {"http_port", n.http}};
    for (auto& [k, v] : extra.items()) p[k] = v;
    j["processes"].push_back(p);
  };
  for (const auto& c : consumers) {
    add(c,
        "node_id = \"" + c.id + "\"\nlisten = \"127.0.0.1:" + std::to_string(c.port) +
            "\"\nhttp_listen = \"127.0.0.1:" + std::to_string(c.http) + "\"\ndata_dir = \"" + dir +
            "/data/" + c.name + "\"\noutput_root = \"" + dir + "/output\"\n" +
            tls_section(certs, c.id) + "[output]\nroll_age = \"" + o.roll_age +
            "\"\n[hours]\nsilent_timeout = \"2m\"\n" + "[http]\nadmin_token_file = \"" +
            token_file + "\"\n" + zk_section + seal_section +
            (c.kafka ? "[subscribe]\nlisten = \"127.0.0.1:" + std::to_string(c.kafka) + "\"\n"
                     : ""),
        "ferry-consumer", c.kafka ? json{{"kafka_port", c.kafka}} : json::object());
    j["dashboards"].push_back("http://127.0.0.1:" + std::to_string(c.http) + "/");
  }
  for (const auto& b : brokers) {
    add(b,
        "node_id = \"" + b.id + "\"\ndc = \"" + b.dc +
            "\"\nlisten = \"127.0.0.1:" + std::to_string(b.port) +
            "\"\nhttp_listen = \"127.0.0.1:" + std::to_string(b.http) + "\"\ndata_dir = \"" + dir +
            "/data/" + b.name + "\"\nconsumers = " + quoted_list(consumer_addrs) + "\n" +
            tls_section(certs, b.id) + zk_section,
        "ferry-broker", json::object());
    j["dashboards"].push_back("http://127.0.0.1:" + std::to_string(b.http) + "/");
  }
  int agent_index = 0;
  for (const auto& a : agents) {
    // Brokers of the agent's DC, rotated per host so the load spreads.
    std::vector<std::string> dc_brokers;
    for (const auto& b : brokers) {
      if (b.dc == a.dc) dc_brokers.push_back("127.0.0.1:" + std::to_string(b.port));
    }
    std::rotate(dc_brokers.begin(), dc_brokers.begin() + (agent_index++ % dc_brokers.size()),
                dc_brokers.end());
    std::string input = dir + "/input/" + a.id;
    fs::create_directories(input);
    std::string sources;
    json globs = json::array();
    for (const auto& cat : o.categories) {
      std::string glob = input + "/" + cat + ".log*";
      // The generator writes RFC 3164 times in UTC, whatever the host's zone.
      sources += "[[source]]\ncategory = \"" + cat + "\"\npaths = [\"" + glob +
                 "\"]\ntimezone = \"UTC\"\n";
      globs.push_back(glob);
    }
    add(a,
        "host = \"" + a.id + "\"\ndc = \"" + a.dc +
            "\"\nbrokers = " + quoted_list(o.zookeeper ? std::vector<std::string>{} : dc_brokers) +
            "\nstate_dir = \"" + dir + "/data/" + a.name +
            "\"\nhttp_listen = \"127.0.0.1:" + std::to_string(a.http) + "\"\n" + sources +
            tls_section(certs, a.id) + zk_section + seal_section,
        "ferry-agent", {{"host", a.id}, {"input_dir", input}, {"globs", globs}});
  }
  if (o.events > 0) {
    std::vector<std::string> hosts;
    for (const auto& a : agents) hosts.push_back(a.id);
    std::string host_list, cat_list;
    for (const auto& h : hosts) host_list += (host_list.empty() ? "" : ",") + h;
    for (const auto& c : o.categories) cat_list += (cat_list.empty() ? "" : ",") + c;
    j["processes"].push_back(
        {{"name", "gen"},
         {"role", "generator"},
         {"dc", ""},
         {"pid", 0},
         {"log", dir + "/logs/gen.log"},
         {"argv",
          {bin + "/ferryctl", "gen", "--dir", dir + "/input", "--host-names", host_list,
           "--categories", cat_list, "--events", std::to_string(o.events), "--rate",
           std::to_string(o.rate), "--rotate-bytes", std::to_string(o.rotate_bytes),
           "--rotate-style", o.rotate_style}}});
  }
  // A failed `up` stops what it started: no agents left tailing into a half-made cluster.
  auto fail = [&](const std::string& why) {
    save(dir, j);
    cluster_down(dir);
    return why + " (every process `up` started is stopped again)";
  };
  // Start in dependency order: ZooKeeper, consumers, brokers, agents, then traffic.
  for (auto& p : j["processes"]) {
    p["pid"] = spawn(p["argv"].get<std::vector<std::string>>(), p["log"]);
    if (p["role"] == "zookeeper" &&
        !wait_zookeeper_ready(p["port"].get<uint16_t>(), std::chrono::seconds(60))) {
      return fail("zookeeper did not answer on port " + std::to_string(p["port"].get<int>()) +
                  "; see " + p["log"].get<std::string>());
    }
    if (p["role"] == "broker" || p["role"] == "consumer" || p["role"] == "agent") {
      // Give each a moment so the next finds it listening.
      std::this_thread::sleep_for(std::chrono::milliseconds(p["role"] == "agent" ? 0 : 50));
    }
  }
  save(dir, j);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (const auto& p : j["processes"]) {
    while (!healthy(p)) {
      if (child_exited(p["pid"].get<pid_t>())) {
        return fail(p["name"].get<std::string>() + " exited during start; see " +
                    p["log"].get<std::string>());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return fail(p["name"].get<std::string>() + " not healthy after 60 s; see " +
                    p["log"].get<std::string>());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return {};
}

std::string cluster_down(const std::string& dir) {
  auto j = load_cluster(dir);
  // Traffic first, then agents (they drain their windows), brokers, consumers.
  for (const char* role : {"generator", "agent", "broker", "consumer", "zookeeper"}) {
    std::vector<pid_t> pids;
    for (const auto& p : j["processes"]) {
      if (p["role"] == role && alive(p["pid"].get<pid_t>())) {
        ::kill(p["pid"].get<pid_t>(), SIGTERM);
        pids.push_back(p["pid"].get<pid_t>());
      }
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (pid_t pid : pids) {
      while (alive(pid) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (alive(pid)) ::kill(pid, SIGKILL);
    }
  }
  return {};
}

std::string cluster_kill(const std::string& dir, const std::string& name) {
  auto j = load_cluster(dir);
  json* p = find_process(j, name);
  if (!p) return "no process named '" + name + "' in " + dir;
  const pid_t pid = (*p)["pid"].get<pid_t>();
  if (!alive(pid)) return name + " is not running";
  ::kill(pid, SIGKILL);
  // Returns once the process is gone: a SIGKILLed process in the middle of an fsync dies
  // only when it returns, and until then it holds its files and locks. A `cluster start`
  // right after must not find the old agent still holding its state dir's lock.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!exited(pid)) {
    if (std::chrono::steady_clock::now() > deadline)
      return name + " (pid " + std::to_string(pid) + ") still alive 30 s after SIGKILL";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

std::string cluster_start(const std::string& dir, const std::string& name) {
  auto j = load_cluster(dir);
  json* p = find_process(j, name);
  if (!p) return "no process named '" + name + "' in " + dir;
  if (alive((*p)["pid"].get<pid_t>()))
    return name + " is already running (pid " + std::to_string((*p)["pid"].get<int>()) + ")";
  (*p)["pid"] = spawn((*p)["argv"].get<std::vector<std::string>>(), (*p)["log"]);
  save(dir, j);
  return {};
}

std::string cluster_status(const std::string& dir, std::string& table) {
  auto j = load_cluster(dir);
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "%-22s %-10s %-8s %-8s %-8s %s\n", "NAME", "ROLE", "PID",
                "RUNNING", "HEALTHY", "HTTP");
  out << line;
  for (const auto& p : j["processes"]) {
    pid_t pid = p["pid"].get<pid_t>();
    std::string url = p.contains("http_port") && p["http_port"].get<int>() != 0
                          ? "http://127.0.0.1:" + std::to_string(p["http_port"].get<int>()) + "/"
                          : "-";
    std::snprintf(line, sizeof line, "%-22s %-10s %-8d %-8s %-8s %s\n",
                  p["name"].get<std::string>().c_str(), p["role"].get<std::string>().c_str(), pid,
                  alive(pid) ? "yes" : "no", healthy(p) ? "yes" : "no", url.c_str());
    out << line;
  }
  out << "output: " << j["output_root"].get<std::string>() << "\n";
  table = out.str();
  return {};
}

}  // namespace ferry::ferryctl
