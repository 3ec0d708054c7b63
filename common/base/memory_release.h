#pragma once
// Hands freed heap memory back to the kernel. glibc keeps freed small blocks in its
// arenas, so a process whose queues once held a burst (a peer that did not read its
// replies) stays at its peak RSS; calling this after such a burst drains brings it back.
// It walks the heap, so it runs at most once a second; call it after large releases.

namespace ferry {

void release_free_memory();
// The same without the once-a-second limit, for a caller that limits itself.
void release_free_memory_now();

// Keeps buffers of up to 4 MiB (reads, batches, their compressed and decoded forms) in
// the heap, and up to 32 MiB of free heap from being handed back at each free. With
// glibc's defaults each 1 MiB batch buffer was mapped or grown fresh, faulted in page by
// page and handed back again: a fifth of the agent's CPU at full speed. Idle memory is
// still handed back by release_free_memory(). Call once at start.
void keep_batch_buffers_in_heap();

}  // namespace ferry
