#include "broker/host_replay_relay.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/base/utc_time.h"

namespace ferry::broker {

bool HostReplayRelay::selects(const Job& job, const std::string& host) const {
  const auto& hosts = job.request.hosts;
  return hosts.empty() || std::find(hosts.begin(), hosts.end(), host) != hosts.end();
}

void HostReplayRelay::relay_to(Job& job, const std::string& host) {
  // Asked (again, after a reconnect): running until it reports otherwise.
  if (deps_.agents.send_to(host, wire::encode(job.request)) &&
      job.request.action == wire::ReplayAction::kStart) {
    job.agents[host].reset();
  }
  job.changed = true;
}

void HostReplayRelay::on_request(const wire::ReplayRequest& req) {
  auto [it, fresh] = jobs_.try_emplace(req.replay_id);
  Job& job = it->second;
  if (fresh) {
    spdlog::info("replay {} from hosts: {} .. {}, relayed to the agents connected here",
                 req.replay_id, format_iso_ms(req.from_ms), format_iso_ms(req.to_ms));
  }
  job.request = req;
  job.cancelled = req.action == wire::ReplayAction::kCancel;
  for (const auto& host : deps_.agents.hosts()) {
    if (selects(job, host)) relay_to(job, host);
  }
  job.changed = true;
}

void HostReplayRelay::on_agent_connected(const std::string& host) {
  for (auto& [id, job] : jobs_) {
    if (job.cancelled || !selects(job, host)) continue;
    relay_to(job, host);
  }
}

void HostReplayRelay::on_agent_progress(const std::string& host, const wire::ReplayProgress& p) {
  auto it = jobs_.find(p.replay_id);
  if (it == jobs_.end()) return;
  it->second.agents[host] = p;
  it->second.changed = true;
}

void HostReplayRelay::on_committed(const wire::ReplayCommitted& ack) {
  std::map<std::string, wire::ReplayCommitted> by_host;
  for (const auto& r : ack.ranges) {
    auto& a = by_host[r.host];
    a.replay_id = ack.replay_id;
    a.ranges.push_back(r);
  }
  for (const auto& [host, a] : by_host) deps_.agents.send_to(host, wire::encode(a));
}

wire::ReplayProgress HostReplayRelay::progress_of(const Job& job) const {
  wire::ReplayProgress p{job.request.replay_id, wire::ReplayState::kDone, {}, {}};
  bool running = false, failed = false;
  for (const auto& [host, report] : job.agents) {
    if (!report) {
      running = true;
      continue;
    }
    running |= report->state == wire::ReplayState::kRunning;
    failed |= report->state == wire::ReplayState::kFailed;
    for (const auto& s : report->streams) {
      if (p.streams.size() < wire::kMaxReplayStreams) p.streams.push_back(s);
    }
    for (const auto& m : report->missing) {
      if (p.missing.size() < wire::kMaxReplayMissing) p.missing.push_back(m);
    }
  }
  // Hosts this broker has served that are away: their files cannot be read now.
  for (const auto& e : deps_.hosts.snapshot(deps_.clock.now_ms())) {
    if (e.connected || e.via != deps_.node_id || job.agents.count(e.host) || !selects(job, e.host))
      continue;
    if (p.missing.size() >= wire::kMaxReplayMissing) break;
    p.missing.push_back(
        {e.host, "", job.request.from_ms, job.request.to_ms,
         std::string(wire::kHostNotConnected) + "host " + e.host + " is not connected to broker " +
             deps_.node_id + " (last seen " + format_iso_ms(e.last_seen_ms) +
             "): its files were not read; replay it from hosts again once it is back"});
  }
  p.state = job.cancelled ? wire::ReplayState::kCancelled
            : failed      ? wire::ReplayState::kFailed
            : running     ? wire::ReplayState::kRunning
                          : wire::ReplayState::kDone;
  return p;
}

void HostReplayRelay::flush_progress(net::FrameConnection& conn) {
  for (auto& [id, job] : jobs_) {
    if (!job.changed) continue;
    job.changed = false;
    conn.send(wire::encode(progress_of(job)));
  }
}

nlohmann::json HostReplayRelay::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, job] : jobs_) {
    auto p = progress_of(job);
    uint64_t batches = 0, events = 0;
    for (const auto& s : p.streams) {
      batches += s.batches;
      events += s.events;
    }
    out.push_back({{"replay_id", id},
                   {"source", "hosts"},
                   {"state", wire::replay_state_name(p.state)},
                   {"from_ms", job.request.from_ms},
                   {"to_ms", job.request.to_ms},
                   {"rate_bytes_per_s", job.request.rate_bytes_per_s},
                   {"sent_batches", batches},
                   {"committed_batches", batches},
                   {"committed_events", events},
                   {"inflight_bytes", 0},
                   {"agents", job.agents.size()},
                   {"missing", p.missing.size()}});
  }
  return out;
}

}  // namespace ferry::broker
