#pragma once
// The modes Ferry gives what it creates: output files, state, quarantine (DESIGN §5,
// docs/security.md "Files"). Group-readable by default, so a loader (e.g. the HDFS
// put job) in the daemon's group can read the output, and nobody else can.
//
// Applied with fchmod/chmod after creating, so the process umask can neither widen nor
// narrow them.

#include <sys/types.h>

namespace ferry::storage {

struct FileModes {
  mode_t file = 0640;
  mode_t dir = 0750;
};

}  // namespace ferry::storage
