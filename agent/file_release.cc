#include "agent/file_release.h"

#include <set>
#include <utility>

#include "agent/tail/file_identity.h"
#include "agent/tail/glob_scan.h"

namespace ferry::agent {
namespace {

bool unacked_reference(const checkpoint::Checkpoint& checkpoint, const std::string& category,
                       const batch::FileIdentity& file) {
  for (const auto& [seq, rec] : checkpoint.unacked(category)) {
    if (tail::same_inode(rec.file, file)) return true;
  }
  return false;
}

}  // namespace

void release_finished_files(std::map<std::string, StreamBatcher>& streams,
                            const checkpoint::Checkpoint& checkpoint) {
  for (auto& [category, s] : streams) {
    for (const auto& file : s.watcher().finished_files()) {
      // By inode: batches recorded while the identity was still provisional count too.
      const bool referenced = (tail::same_inode(s.batch_file(), file) && s.building()) ||
                              unacked_reference(checkpoint, category, file);
      // The position stays in the checkpoint: after a restart, a rotated file that still
      // matches a glob (under any name) must resume at its end, not be read again.
      // prune_positions() drops it once the file is gone from the globs.
      if (!referenced) s.watcher().release(file);
    }
  }
}

void prune_positions(const std::vector<SourceConfig>& sources,
                     const std::map<std::string, StreamBatcher>& streams,
                     checkpoint::Checkpoint& checkpoint) {
  for (const auto& src : sources) {
    // Every file the globs match now, by device and inode (names shift in rotation).
    std::set<std::pair<uint64_t, uint64_t>> present;
    for (const auto& f : tail::expand_globs(src.paths)) present.insert({f.dev, f.ino});
    const auto tracked = streams.at(src.category).watcher().files();
    std::vector<batch::FileIdentity> gone;
    for (const auto& p : checkpoint.positions(src.category)) {
      if (present.count({p.file.dev, p.file.ino})) continue;
      bool referenced = unacked_reference(checkpoint, src.category, p.file);
      for (const auto& t : tracked) referenced |= tail::same_inode(t.file, p.file);
      if (!referenced) gone.push_back(p.file);
    }
    for (const auto& f : gone) checkpoint.forget_file(src.category, f);
  }
}

}  // namespace ferry::agent
