#include "consumer/store/success_marker.h"

#include <nlohmann/json.hpp>

#include "consumer/store/bucket_path.h"
#include "consumer/store/errc.h"

namespace ferry::consumer::store {

std::string success_path(const std::string& category, TimeMs hour) {
  return hour_dir(category, hour) + "/_SUCCESS";
}

Result<bool> write_success_marker(Sink& sink, const std::string& category, TimeMs hour,
                                  const std::map<std::string, MarkerCounts>& hosts,
                                  const std::string& temp) {
  const std::string path = success_path(category, hour);
  BOOST_OUTCOME_TRY(present, sink.exists(path));
  if (present) return false;
  nlohmann::json by_host = nlohmann::json::object();
  uint64_t events = 0, batches = 0;
  for (const auto& [h, c] : hosts) {
    by_host[h] = {{"events", c.events}, {"batches", c.batches}};
    events += c.events;
    batches += c.batches;
  }
  nlohmann::json manifest = {{"category", category},  {"hour", format_hour_iso(hour)},
                             {"hour_start_ms", hour}, {"hosts", by_host},
                             {"events", events},      {"batches", batches}};
  BOOST_OUTCOME_TRY(sink.mkdirs(hour_dir(category, hour)));
  BOOST_OUTCOME_TRY(out, sink.create(temp));
  BOOST_OUTCOME_TRY(out->append(manifest.dump(2) + "\n"));
  BOOST_OUTCOME_TRY(out->sync());
  out.reset();
  auto renamed = sink.rename(temp, path);
  if (!renamed) {
    if (renamed.error() != std::error_code(Errc::kExists)) return renamed.error();
    (void)sink.remove(temp);
    return false;
  }
  return true;
}

}  // namespace ferry::consumer::store
