#pragma once
// Replays from the hosts' files (`--source hosts`, DESIGN §7) as one consumer link sees
// them: the broker only relays, it stores nothing.
//
// REPLAY from the consumer goes to every connected agent it selects, and again to each
// selected agent that connects while the replay runs (the agent then cuts its batches
// again from the start: what is in flight may have been lost). The agents' replayed
// BATCH frames go straight to this link's consumer, their REPLAY_COMMITTED back to the
// agent that sent them. The link reports one REPLAY_PROGRESS per replay: the agents'
// counts and missing ranges, hosts this broker knows but that are not connected (as
// missing, kHostNotConnected), and done once every agent asked reported done.
//
// A broker restart loses nothing: the consumer sends REPLAY again on the new link.
// Runs on the broker's io thread.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/ack_relay.h"
#include "common/base/clock.h"
#include "common/net/frame_connection.h"
#include "common/status/host_table.h"
#include "common/wire/replay_messages.h"

namespace ferry::broker {

class HostReplayRelay {
 public:
  // Where the agents are (owned by the broker, outliving every link).
  struct Deps {
    AckRelay& agents;          // the connected agents' connections
    status::HostTable& hosts;  // every host this broker knows, connected or not
    const Clock& clock;
    std::string node_id;  // the hosts that came through this broker
  };

  explicit HostReplayRelay(Deps deps) : deps_(std::move(deps)) {}

  void on_request(const wire::ReplayRequest& req);
  bool knows(uint64_t replay_id) const { return jobs_.count(replay_id) != 0; }
  void on_agent_connected(const std::string& host);
  void on_agent_progress(const std::string& host, const wire::ReplayProgress& p);
  // REPLAY_COMMITTED from the consumer, for the agents that sent the batches.
  void on_committed(const wire::ReplayCommitted& ack);
  void flush_progress(net::FrameConnection& conn);
  nlohmann::json to_json() const;

 private:
  struct Job {
    wire::ReplayRequest request;
    std::map<std::string, std::optional<wire::ReplayProgress>>
        agents;  // asked, with their last report
    bool cancelled = false;
    bool changed = true;
  };
  bool selects(const Job& job, const std::string& host) const;
  void relay_to(Job& job, const std::string& host);
  wire::ReplayProgress progress_of(const Job& job) const;

  Deps deps_;
  std::map<uint64_t, Job> jobs_;
};

}  // namespace ferry::broker
