#pragma once
// Every connection is a descriptor, and the soft RLIMIT_NOFILE is often 1024 while the
// hard one is far higher: a daemon raises the soft limit to the hard one at start and
// logs both, so operators see what the connection caps are measured against.

namespace ferry::app {

void raise_open_file_limit();

}  // namespace ferry::app
