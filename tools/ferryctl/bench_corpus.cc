#include "tools/ferryctl/bench_corpus.h"

#include <charconv>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace ferry::ferryctl {
namespace {

constexpr const char* kEvents[] = {"song_completion", "song_start", "song_skip",
                                   "ad_impression",   "search",     "login"};
constexpr const char* kCountries[] = {"SE", "US", "GB", "DE", "BR", "MX",
                                      "IN", "JP", "FR", "ES", "NL", "PL"};
constexpr const char* kPlatforms[] = {"android",     "ios", "web",   "desktop-win",
                                      "desktop-mac", "ps5", "sonos", "car"};
constexpr const char* kContexts[] = {"playlist", "album",     "artist", "radio",
                                     "search",   "daily_mix", "podcast"};
constexpr const char* kApps[] = {"player",     "playback-svc", "auth",
                                 "search-api", "ads-edge",     "recommender"};

template <class T>
bool parse_after(std::string_view line, std::string_view key, T& value) {
  auto at = line.find(key);
  if (at == std::string_view::npos) return false;
  const char* begin = line.data() + at + key.size();
  return std::from_chars(begin, line.data() + line.size(), value).ec == std::errc();
}

}  // namespace

void EventLines::append(std::string& out, uint64_t seq, int64_t ts_ms, int64_t write_us) {
  auto pick = [this](const auto& list) { return list[rng_() % std::size(list)]; };
  const std::time_t t = ts_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
  char written[40] = "";
  if (write_us != 0)
    std::snprintf(written, sizeof written, ",\"wt_us\":%lld", static_cast<long long>(write_us));
  const unsigned host = rng_() % 64;
  char line[512];
  const int n = std::snprintf(
      line, sizeof line,
      "<134>%s host-%c%u %s[%u]: "
      "{\"event\":\"%s\",\"user\":\"u%u\",\"track\":\"t%08u\",\"ts\":%lld,"
      "\"ms_played\":%u,\"country\":\"%s\",\"platform\":\"%s\",\"ctx\":\"%s\",\"seq\":%llu%s}\n",
      stamp, 'a' + host / 16, host % 16 + 1, pick(kApps),
      100 + static_cast<unsigned>(rng_() % 64900), pick(kEvents),
      1 + static_cast<unsigned>(rng_() % 9999999), 1 + static_cast<unsigned>(rng_() % 99999999),
      static_cast<long long>(ts_ms), static_cast<unsigned>(rng_() % 400001), pick(kCountries),
      pick(kPlatforms), pick(kContexts), static_cast<unsigned long long>(seq), written);
  out.append(line, static_cast<size_t>(n));
}

std::string make_corpus(const std::string& dir, uint64_t lines) {
  const std::string file = dir + "/corpus-" + std::to_string(lines) + ".log";
  if (std::filesystem::exists(file + ".complete")) return file;
  EventLines events;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  std::mt19937_64 step(11);
  int64_t ts_ms = (int64_t{std::time(nullptr)} - 3600) * 1000;
  std::string chunk;
  for (uint64_t seq = 0; seq < lines; ++seq) {
    ts_ms += static_cast<int64_t>(step() % 8);
    events.append(chunk, seq, ts_ms);
    if (chunk.size() > (1 << 20)) {
      out << chunk;
      chunk.clear();
    }
  }
  out << chunk;
  out.close();
  std::ofstream(file + ".complete") << lines << "\n";
  return file;
}

bool parse_timed_line(std::string_view line, uint64_t& seq, int64_t& write_us) {
  return parse_after(line, "\"seq\":", seq) && parse_after(line, "\"wt_us\":", write_us);
}

}  // namespace ferry::ferryctl
