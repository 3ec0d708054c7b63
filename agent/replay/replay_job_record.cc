#include "agent/replay/replay_job_record.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/storage/durable_file.h"

namespace ferry::agent::replay {
namespace {

using nlohmann::json;
using Job = HostReplays::Job;

wire::ReplayState state_from(const std::string& w) {
  if (w == "done") return wire::ReplayState::kDone;
  if (w == "cancelled") return wire::ReplayState::kCancelled;
  if (w == "failed") return wire::ReplayState::kFailed;
  return wire::ReplayState::kRunning;
}

json missing_json(const std::vector<wire::ReplayMissing>& list) {
  json out = json::array();
  for (const auto& m : list) {
    out.push_back({{"category", m.category},
                   {"from_ms", m.from_ms},
                   {"to_ms", m.to_ms},
                   {"reason", m.reason}});
  }
  return out;
}

// The host is not stored: it is this agent's.
void missing_from(const json& list, const std::string& host,
                  std::vector<wire::ReplayMissing>& out) {
  for (const auto& m : list) {
    out.push_back({host, m.at("category").get<std::string>(), m.at("from_ms").get<TimeMs>(),
                   m.at("to_ms").get<TimeMs>(), m.at("reason").get<std::string>()});
  }
}

json snapshot_json(const Job& job) {
  json sources = json::array();
  for (const auto& s : job.scans) {
    json files = json::array();
    for (const auto& f : s->files) {
      files.push_back(
          {{"path", f.path}, {"dev", f.dev}, {"ino", f.ino}, {"size", f.size}, {"gzip", f.gzip}});
    }
    sources.push_back({{"category", s->source->category}, {"files", files}});
  }
  json counts = json::object();
  for (const auto& [category, seqs] : job.committed) {
    uint64_t events = 0;
    for (const auto& [seq, n] : seqs) events += n;
    counts[category] = {{"batches", seqs.size()}, {"events", events}};
  }
  return {{"replay_id", job.request.replay_id},
          {"from_ms", job.request.from_ms},
          {"to_ms", job.request.to_ms},
          {"state", wire::replay_state_name(job.state)},
          {"sources", sources},
          {"counts", counts},
          {"gaps", missing_json(job.gaps)},
          {"missing", missing_json(job.missing)}};
}

}  // namespace

void persist(const Job& job) {
  auto w = storage::durable_write(job.snapshot_path, snapshot_json(job).dump());
  if (!w)
    spdlog::error("replay {}: cannot write {}: {}", job.request.replay_id, job.snapshot_path,
                  w.error().message());
}

std::optional<std::map<std::string, std::vector<FileRef>>> load_record(Job& job,
                                                                       const std::string& host) {
  auto stored = storage::read_whole_file(job.snapshot_path);
  if (!stored) return std::nullopt;
  auto j = json::parse(stored.value(), nullptr, false);
  if (j.is_discarded() || !j.is_object() ||
      j.value("replay_id", uint64_t{0}) != job.request.replay_id) {
    return std::nullopt;
  }
  // Read whole into locals first: a record that fails halfway leaves nothing in the job.
  std::map<std::string, std::vector<FileRef>> files;  // by category
  wire::ReplayState state = wire::ReplayState::kRunning;
  std::map<std::string, std::pair<uint64_t, uint64_t>> restored;
  std::vector<wire::ReplayMissing> gaps, missing;
  try {
    state = state_from(j.value("state", "running"));
    for (const auto& s : j.at("sources")) {
      auto& list = files[s.at("category").get<std::string>()];
      for (const auto& f : s.at("files")) {
        list.push_back({f.at("path").get<std::string>(), f.at("dev").get<uint64_t>(),
                        f.at("ino").get<uint64_t>(), f.at("size").get<uint64_t>(),
                        f.value("gzip", false)});
      }
    }
    for (const auto& [category, c] : j.at("counts").items()) {
      restored[category] = {c.at("batches").get<uint64_t>(), c.at("events").get<uint64_t>()};
    }
    missing_from(j.at("gaps"), host, gaps);
    missing_from(j.at("missing"), host, missing);
  } catch (const json::exception& e) {
    spdlog::error("replay {}: {} unreadable ({}): taking a new snapshot", job.request.replay_id,
                  job.snapshot_path, e.what());
    return std::nullopt;
  }
  job.state = state;
  for (auto& [category, counts] : restored) job.restored[category] = counts;
  job.gaps.insert(job.gaps.end(), gaps.begin(), gaps.end());
  job.missing.insert(job.missing.end(), missing.begin(), missing.end());
  return files;
}

void rewind(Job::Scan& s, size_t max_event_bytes, size_t batch_max_bytes) {
  s.close_file();
  s.index = 0;
  s.offset = 0;
  s.splitter = std::make_unique<event::LineSplitter>(max_event_bytes, s.source->time_zone.get());
  s.builder = std::make_unique<batch::BatchBuilder>(batch_max_bytes);
  s.contiguous_end = 0;
  s.next_seq = 1;
  s.finished = false;
  s.lost.clear();
}

}  // namespace ferry::agent::replay
