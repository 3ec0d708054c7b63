#pragma once
// Batches refused for good (DESIGN §2.6): kept, counted and listable, never silently
// dropped and never retried forever. Each is two files in one directory:
//   <host>.<category>.<incarnation>.<seq>.batch   the BATCH frame as received (ferry-decodable)
//   <host>.<category>.<incarnation>.<seq>.reason  one line: the refusing node, the code and why
// Bounded: past max_batches or max_bytes only the reason is kept and the frame is
// counted as dropped (a hostile sender cannot fill the disk through it).

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/storage/file_modes.h"
#include "common/wire/messages.h"

namespace ferry::storage {

struct QuarantineLimits {
  uint64_t max_batches = 10'000;
  uint64_t max_bytes = 256u << 20;
};

struct QuarantinedBatch {
  std::string name;    // <host>.<category>.<incarnation>.<seq>
  std::string reason;  // the .reason line
  uint64_t bytes = 0;  // of the kept frame, 0 if it was dropped for the bound
};

class Quarantine {
 public:
  // Creates `dir` (modes.dir) if needed and counts what it already holds. Kept batches
  // and reasons are written modes.file.
  static Result<std::unique_ptr<Quarantine>> open(std::string dir, QuarantineLimits limits = {},
                                                  FileModes modes = {});

  // Keeps `frame` (durably) with its reason. Thread-safe.
  Result<void> put(const wire::BatchFrame& frame, std::string_view reason);

  uint64_t batches() const;
  uint64_t dropped_frames() const;
  const std::string& dir() const { return dir_; }

  // Everything in `dir`, by name.
  static Result<std::vector<QuarantinedBatch>> list(const std::string& dir);

 private:
  Quarantine(std::string dir, QuarantineLimits limits, FileModes modes)
      : dir_(std::move(dir)), limits_(limits), modes_(modes) {}

  std::string dir_;
  QuarantineLimits limits_;
  FileModes modes_;
  mutable std::mutex mu_;
  uint64_t batches_ = 0, bytes_ = 0, dropped_ = 0;
};

}  // namespace ferry::storage
