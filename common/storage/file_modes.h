#pragma once
// The modes Ferry gives what it creates: output files, state, quarantine (DESIGN §5,
// docs/security.md "Files"). Group-readable by default, so a loader (e.g. the HDFS
// put job) in the daemon's group can read the output, and nobody else can.
//
// Applied with fchmod/chmod after creating, so the process umask can neither widen nor
// narrow them. Files a library creates itself (RocksDB opens its own 0644) are bounded
// by narrow_umask() instead.

#include <sys/types.h>

#include <string>
#include <system_error>

namespace ferry::storage {

struct FileModes {
  mode_t file = 0640;
  mode_t dir = 0750;
};

// Creates `dir` and its missing parents, giving each directory it creates `mode`;
// directories that exist keep theirs (an operator's choice).
std::error_code create_dirs(const std::string& dir, mode_t mode);

// Adds to the process umask every bit that neither modes.file nor modes.dir grants, so
// files and directories created by libraries get no more than the configured modes.
// Never widens the umask. Call at start, before other threads create files.
void narrow_umask(const FileModes& modes);

}  // namespace ferry::storage
