#pragma once
// Contents of files truncated by copytruncate, each kept until a copy of it turns up and
// claims it (the copy carries the content on from where the original was read to), or
// until kClaimWaitMs passed: then the bytes beyond the read offset that no copy carried
// on are lost. At most kMaxTruncations are kept, the oldest go first.
//
// Runs on the tail thread; not thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/tail/file_identity.h"
#include "common/base/clock.h"

namespace ferry::agent::tail {

// How long a file found with fewer bytes waits before it is read as a new file.
inline constexpr TimeMs kDecideAfterMs = 1'000;
// Truncated contents remembered for a copy that turns up later.
inline constexpr size_t kMaxTruncations = 256;
// How long a truncated content waits for its copy before its unread bytes count as lost
// (long enough for a copy found while being written to be decided).
inline constexpr TimeMs kClaimWaitMs = 2 * kDecideAfterMs;

struct Truncation {
  FileIdentity content;          // the truncated file, by the old content's first bytes read
  std::optional<uint32_t> head;  // their head_crc(), if known
  uint64_t position = 0;         // the end of its events
  uint64_t read_offset = 0;      // where its copy carries on
  uint64_t unread = 0;           // bytes beyond it: lost unless a copy carries them
  std::string path;
  TimeMs at_ms = 0;
  bool reported = false;  // unclaimed after kClaimWaitMs: its loss was told
};

class Truncations {
 public:
  void remember(Truncation truncation);

  // The newest truncation whose old content a file starts with, taken out (one copy
  // carries it on). The file is known by its fingerprint (see file_identity.h) and
  // head_crc(); `starts_with(fingerprint)` tells whether it starts with a longer or
  // shorter prefix than its own fingerprint covers.
  std::optional<Truncation> claim(uint64_t fingerprint, std::optional<uint32_t> head,
                                  const std::function<bool(uint64_t)>& starts_with);

  // Not yet claimed and still within kClaimWaitMs at `now` (a copy may yet be found).
  std::vector<Truncation> waiting(TimeMs now) const;
  // Unclaimed for kClaimWaitMs at `now` and not returned before: each is returned once.
  std::vector<Truncation> take_expired(TimeMs now);

  size_t size() const { return list_.size(); }

 private:
  std::vector<Truncation> list_;  // oldest first
};

}  // namespace ferry::agent::tail
