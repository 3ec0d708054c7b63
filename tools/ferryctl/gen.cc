#include "tools/ferryctl/gen.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/storage/durable_file.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;

struct Stream {
  std::string host, category, path;
  uint64_t next = 0;  // seq of the next line
  uint64_t written = 0;
  std::ofstream out;
  uint64_t size = 0;
  uint64_t rotations = 0;
  std::time_t hour = 0;  // of the last line written
};

std::string utc(std::time_t t, const char* format) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// Moves the live file aside as `rotated` and leaves an empty live file to append to.
void rotate(Stream& s, const std::string& rotated, bool copytruncate) {
  s.out.close();
  std::error_code ec;
  if (copytruncate) {
    fs::copy_file(s.path, rotated, ec);
    fs::resize_file(s.path, 0, ec);
  } else {
    fs::rename(s.path, rotated, ec);
  }
  s.out.open(s.path, std::ios::app | std::ios::binary);
  s.size = 0;
  ++s.rotations;
}

void save_state(const std::string& dir, const std::vector<Stream>& streams) {
  nlohmann::json j;
  for (const auto& s : streams) j["next"][s.host][s.category] = s.next;
  (void)storage::durable_write(dir + "/gen.json", j.dump(1));
}

}  // namespace

GenResult run_gen(const GenOptions& o, const std::atomic<bool>& stop) {
  std::map<std::string, std::map<std::string, uint64_t>> saved;
  {
    std::ifstream in(o.dir + "/gen.json");
    if (in) {
      try {
        auto j = nlohmann::json::parse(in);
        for (auto& [h, cats] : j["next"].items()) {
          for (auto& [c, n] : cats.items()) saved[h][c] = n.get<uint64_t>();
        }
      } catch (const std::exception&) {}
    }
  }
  std::vector<Stream> streams;
  for (const auto& h : o.hosts) {
    fs::create_directories(o.dir + "/" + h);
    for (const auto& c : o.categories) {
      Stream s;
      s.host = h;
      s.category = c;
      s.path = o.dir + "/" + h + "/" + c + ".log";
      s.next = saved[h][c];
      s.out.open(s.path, std::ios::app | std::ios::binary);
      std::error_code ec;
      s.size = fs::exists(s.path, ec) ? fs::file_size(s.path, ec) : 0;
      streams.push_back(std::move(s));
    }
  }
  std::mt19937_64 rng(std::random_device{}());
  static const char* kClients[] = {"ios", "android", "web", "desktop"};
  // "mixed" alternates per file: rename, copytruncate, rename, ...
  auto copytruncate_next = [&o](const Stream& s) {
    return o.rotate_style == "copytruncate" || (o.rotate_style == "mixed" && s.rotations % 2 == 1);
  };
  GenResult result;
  auto start = std::chrono::steady_clock::now();
  auto last_save = start;
  std::string pad(o.line_bytes > 160 ? o.line_bytes - 160 : 0, 'z');
  bool any = true;
  while (any && !stop) {
    any = false;
    for (auto& s : streams) {
      if (o.events != 0 && s.written >= o.events) continue;
      any = true;
      const std::time_t now = std::time(nullptr);
      if (o.rotate_hourly && s.hour != 0 && now / 3600 != s.hour) {
        rotate(s, s.path + "." + utc(s.hour * 3600, "%Y%m%d%H"), copytruncate_next(s));
        ++result.rotations;
      }
      s.hour = now / 3600;
      char head[256];
      std::snprintf(head, sizeof head,
                    "<134>%s %s app[%u]: id=%s:%s:%llu event=%s user=%08llx client=%s ms=%llu ",
                    utc(now, "%b %e %H:%M:%S").c_str(), s.host.c_str(),
                    1000 + static_cast<unsigned>(rng() % 30000), s.host.c_str(), s.category.c_str(),
                    static_cast<unsigned long long>(s.next), s.category.c_str(),
                    static_cast<unsigned long long>(rng() & 0xffffffff), kClients[rng() % 4],
                    static_cast<unsigned long long>(rng() % 400000));
      std::string line = std::string(head) + pad + "\n";
      s.out << line;
      s.out.flush();
      s.size += line.size();
      ++s.next;
      ++s.written;
      ++result.lines;
      if (o.rotate_bytes != 0 && s.size >= o.rotate_bytes) {
        rotate(s, s.path + "." + std::to_string(s.rotations + 1), copytruncate_next(s));
        ++result.rotations;
      }
      if (o.rate > 0) {
        auto due =
            start + std::chrono::duration<double>(static_cast<double>(result.lines) / o.rate);
        if (due > std::chrono::steady_clock::now()) std::this_thread::sleep_until(due);
      }
    }
    if (std::chrono::steady_clock::now() - last_save > std::chrono::seconds(1)) {
      save_state(o.dir, streams);
      last_save = std::chrono::steady_clock::now();
    }
  }
  save_state(o.dir, streams);
  return result;
}

}  // namespace ferry::ferryctl
