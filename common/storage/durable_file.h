#pragma once
// Crash-safe whole-file replacement (DESIGN §5): the new content goes to a temporary
// file in the same directory, is fsynced, renamed over the target, and the directory is
// fsynced. After durable_write() returns success the new content survives power loss;
// if the process dies at any point before, the target holds either the old content or
// the new, never a mix. Failures are std::error_codes from errno (system_category).
//
// Not safe for two writers of the same path at once; each durable file has one owner.

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/storage/file_modes.h"

namespace ferry::storage {

// Atomically and durably replaces `path` with `content`, mode `mode` whatever the umask.
Result<void> durable_write(const std::string& path, std::string_view content,
                           mode_t mode = FileModes{}.file);

// Reads the whole file. A missing file is std::errc::no_such_file_or_directory.
Result<std::string> read_whole_file(const std::string& path);

// fsyncs a directory, making renames and creations inside it durable.
Result<void> sync_dir(const std::string& dir);

}  // namespace ferry::storage
