#pragma once
// A daemon that must start again as a new instance (a consumer whose ZooKeeper session
// expired: a successor may have fenced it) does it itself, whatever supervises it (or
// nothing does): after an orderly stop it executes its own binary again with the same
// arguments. Same pid, so systemd (Type=notify: RELOADING=1 then the new READY=1) and
// `ferryctl cluster` keep tracking it.

namespace ferry::app {

// Flushes the logs, marks every descriptor above stderr close-on-exec and executes
// /proc/self/exe with `argv`. Returns only if that fails (said in the log): exit 1 then,
// and a supervisor restarts the process.
int restart_in_place(const char* program, char** argv);

}  // namespace ferry::app
