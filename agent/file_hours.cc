#include "agent/file_hours.h"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "agent/tail/file_identity.h"
#include "common/storage/durable_file.h"

namespace ferry::agent {

using nlohmann::json;

void FileHours::load() {
  auto bytes = storage::read_whole_file(path_);
  if (!bytes) return;  // none yet
  auto j = json::parse(bytes.value(), nullptr, false);
  try {
    if (j.is_discarded() || !j.is_object()) throw std::runtime_error("not a JSON object");
    for (const auto& [category, list] : j.items()) {
      for (const auto& e : list) {
        FileHoursEntry f{e.at("path").get<std::string>(), e.at("dev").get<uint64_t>(),
                         e.at("ino").get<uint64_t>(),     e.at("min_ms").get<TimeMs>(),
                         e.at("max_ms").get<TimeMs>(),    e.value("fp", uint64_t{0})};
        files_[category][{f.dev, f.ino}] = std::move(f);
      }
    }
  } catch (const std::exception& e) {
    spdlog::error(
        "{} unreadable ({}): starting it over; a replay from this host cannot name files deleted "
        "before now",
        path_, e.what());
    files_.clear();
  }
}

void FileHours::note(const std::string& category, uint64_t dev, uint64_t ino, uint64_t fingerprint,
                     const std::string& path, TimeMs min_ms, TimeMs max_ms) {
  auto& f = files_[category][{dev, ino}];
  if (f.path.empty()) {
    f = FileHoursEntry{path, dev, ino, min_ms, max_ms, fingerprint};
  } else {
    f.path = path;
    if (tail::fingerprint_length(fingerprint) >= tail::fingerprint_length(f.fingerprint))
      f.fingerprint = fingerprint;
    f.min_time_ms = std::min(f.min_time_ms, min_ms);
    f.max_time_ms = std::max(f.max_time_ms, max_ms);
  }
  dirty_ = true;
}

void FileHours::save(TimeMs now) {
  if (!dirty_) return;
  json out = json::object();
  for (auto& [category, files] : files_) {
    std::vector<const FileHoursEntry*> kept;
    for (auto it = files.begin(); it != files.end();) {
      if (it->second.max_time_ms < now - kKeep) {
        it = files.erase(it);
      } else {
        kept.push_back(&it->second);
        ++it;
      }
    }
    if (kept.size() > kMaxFiles) {
      // The newest files are the ones a replay can still want.
      std::sort(kept.begin(), kept.end(),
                [](auto* a, auto* b) { return a->max_time_ms > b->max_time_ms; });
      for (size_t i = kMaxFiles; i < kept.size(); ++i) files.erase({kept[i]->dev, kept[i]->ino});
      kept.resize(kMaxFiles);
    }
    json list = json::array();
    for (const auto* f : kept) {
      list.push_back({{"path", f->path},
                      {"dev", f->dev},
                      {"ino", f->ino},
                      {"min_ms", f->min_time_ms},
                      {"max_ms", f->max_time_ms},
                      {"fp", f->fingerprint}});
    }
    out[category] = std::move(list);
  }
  auto w = storage::durable_write(path_, out.dump());
  if (!w) {
    spdlog::warn("cannot write {}: {}", path_, w.error().message());
    return;
  }
  dirty_ = false;
}

std::vector<FileHoursEntry> FileHours::overlapping(const std::string& category, TimeMs from,
                                                   TimeMs to) const {
  std::vector<FileHoursEntry> out;
  auto it = files_.find(category);
  if (it == files_.end()) return out;
  for (const auto& [key, f] : it->second) {
    if (f.max_time_ms >= from && f.min_time_ms < to) out.push_back(f);
  }
  return out;
}

bool FileHours::covered_by_copy(const FileHoursEntry& e, std::string_view head) {
  const uint32_t len = tail::fingerprint_length(e.fingerprint);
  if (len < tail::kMinCopyPrefix || len > head.size()) return false;
  return tail::make_fingerprint(head.substr(0, len)) == e.fingerprint;
}

}  // namespace ferry::agent
