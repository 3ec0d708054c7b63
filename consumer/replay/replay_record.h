#pragma once
// A replay as the consumer keeps it (DESIGN §7): the request, the brokers asked and
// what each reported, and, once it ended, what was committed. Persisted as JSON in the
// consumer's RocksDB ("replays": be64(id) -> record) at every state change; counts of a
// running replay are recomputed from the commit manifest at start instead.

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "common/wire/replay_messages.h"

namespace ferry::consumer::replay {

enum class ReplayStatus : uint8_t { kRunning = 1, kComplete = 2, kCancelled = 3, kFailed = 4 };
std::string_view status_name(ReplayStatus s);

struct Counts {
  uint64_t batches = 0;
  uint64_t events = 0;
};

// One broker asked to re-send its share; state and counts as it last reported.
struct BrokerPart {
  std::string dc;
  wire::ReplayState state = wire::ReplayState::kRunning;
  std::map<std::pair<std::string, std::string>, Counts>
      sent;  // (host, category), committed on its side
  std::vector<wire::ReplayMissing> missing;
};

struct ReplayRecord {
  uint64_t id = 0;
  ReplayStatus status = ReplayStatus::kRunning;
  std::string source = "brokers";
  TimeMs from_ms = 0;
  TimeMs to_ms = 0;
  uint64_t rate_bytes_per_s = 0;                    // 0 = each broker's default
  std::vector<std::string> hosts, categories, dcs;  // empty = all
  TimeMs created_ms = 0;
  TimeMs finished_ms = 0;
  std::string reason;  // why it failed or was cancelled
  std::map<std::string, BrokerPart> brokers;
  // (host, category, hour) -> committed here. Persisted once the replay ended.
  std::map<std::tuple<std::string, std::string, TimeMs>, Counts> committed;

  wire::ReplayRequest request(wire::ReplayAction action) const;
};

nlohmann::json to_json(const ReplayRecord& r, bool with_committed = true);
Result<ReplayRecord> record_from_json(const nlohmann::json& j);

}  // namespace ferry::consumer::replay
