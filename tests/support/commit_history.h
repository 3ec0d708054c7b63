#pragma once
// Who wrote what, from the commit manifests several consumers leave in a shared output
// (<root>/_ferry/commits; consumer/store/shared_commits.h): per stream, the seqs each
// consumer instance committed (manifests whose final file exists).

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ferry::testing {

struct CommitHistory {
  // "host/category" -> writer (fence tag "<consumer>-<epoch>") -> seqs committed
  std::map<std::string, std::map<std::string, std::set<uint64_t>>> streams;
  size_t manifests = 0;

  std::set<std::string> writers() const;
  // One writer at a time: for each stream, no two writers' seq ranges [first, last]
  // overlap. Each overlap, described.
  std::vector<std::string> overlaps() const;
};

CommitHistory read_commit_history(const std::string& output_root);

}  // namespace ferry::testing
