#pragma once
// Reading a consumer's output back: every part file (`part-*.log` or `.log.zst`) under
// the output root, decompressed. Hidden temp files, `_SUCCESS` markers and the tier's
// shared state under `_ferry/` are not parts. `ferryctl verify` and the tests read the
// output through this, so they agree on what was delivered.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace ferry::ferryctl {

// Whether a part (its path relative to the output root) was written by a replay:
// it lies under a `replay-<id>/` directory.
bool is_replay_part(const std::filesystem::path& relative);

// Calls `fn` with the content of every part that `keep` accepts (given its path
// relative to the root), decompressed; fails on a part that does not decompress.
Result<void> for_each_part(const std::string& output_root,
                           const std::function<bool(const std::filesystem::path& relative)>& keep,
                           const std::function<void(std::string_view)>& fn);

}  // namespace ferry::ferryctl
