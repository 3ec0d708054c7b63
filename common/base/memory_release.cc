#include "common/base/memory_release.h"

#include <malloc.h>

#include <atomic>
#include <chrono>

namespace ferry {

void release_free_memory() {
  // Trimming walks the whole heap: at most once a second, however many queues drain.
  static std::atomic<int64_t> last_ms{0};
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t last = last_ms.load(std::memory_order_relaxed);
  if (last != 0 && now - last < 1000) return;
  if (!last_ms.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
  malloc_trim(0);
}

void release_free_memory_now() { malloc_trim(0); }

void keep_batch_buffers_in_heap() {
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

}  // namespace ferry
