#pragma once
// Hands freed heap memory back to the kernel. glibc keeps freed small blocks in its
// arenas, so a process whose queues once held a burst (a peer that did not read its
// replies) stays at its peak RSS; calling this after such a burst drains brings it back.
// It walks the heap, so it runs at most once a second; call it after large releases.

namespace ferry {

void release_free_memory();
// The same without the once-a-second limit, for a caller that limits itself.
void release_free_memory_now();

}  // namespace ferry
