#include "tests/support/commit_history.h"

#include <filesystem>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace ferry::testing {
namespace fs = std::filesystem;

std::set<std::string> CommitHistory::writers() const {
  std::set<std::string> out;
  for (const auto& [stream, by_writer] : streams) {
    for (const auto& [w, seqs] : by_writer) out.insert(w);
  }
  return out;
}

std::vector<std::string> CommitHistory::overlaps() const {
  std::vector<std::string> out;
  for (const auto& [stream, by_writer] : streams) {
    for (auto a = by_writer.begin(); a != by_writer.end(); ++a) {
      for (auto b = std::next(a); b != by_writer.end(); ++b) {
        const uint64_t a0 = *a->second.begin(), a1 = *a->second.rbegin();
        const uint64_t b0 = *b->second.begin(), b1 = *b->second.rbegin();
        if (a0 <= b1 && b0 <= a1) {
          out.push_back(stream + ": " + a->first + " wrote seqs " + std::to_string(a0) + ".." +
                        std::to_string(a1) + ", " + b->first + " " + std::to_string(b0) + ".." +
                        std::to_string(b1));
        }
      }
    }
  }
  return out;
}

CommitHistory read_commit_history(const std::string& output_root) {
  CommitHistory h;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(output_root + "/_ferry/commits", ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".commit") continue;
    std::istringstream in(read_file(e.path().string()));
    std::string line, writer, final_path, category;
    std::vector<std::pair<std::string, uint64_t>> batches;
    bool ended = false;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string key;
      words >> key;
      if (key == "writer") words >> writer;
      if (key == "final") words >> final_path;
      if (key == "category") words >> category;
      if (key == "end") ended = true;
      if (key == "b") {
        std::string host;
        uint64_t incarnation = 0, seq = 0;
        words >> host >> incarnation >> seq;
        batches.emplace_back(host, seq);
      }
    }
    if (!ended || !fs::exists(output_root + "/" + final_path)) continue;  // never committed
    ++h.manifests;
    for (const auto& [host, seq] : batches) h.streams[host + "/" + category][writer].insert(seq);
  }
  return h;
}

}  // namespace ferry::testing
