// libFuzzer target: agent::replay::GzipStream, which replay from hosts runs on whatever
// .gz files the source globs match. The input is the file (in a memfd); the first byte
// picks the read chunk size. It must decompress or name an error, never read past the
// limit or loop, and what it returns must stay bounded by the chunk asked for.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/replay/gzip_stream.h"
#include "common/base/assert.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t chunk = 1 + data[0] * 97u;
  ++data;
  --size;
  int fd = memfd_create("gz", MFD_CLOEXEC);
  FERRY_RELEASE_ASSERT(fd >= 0);
  FERRY_RELEASE_ASSERT(::write(fd, data, size) == static_cast<ssize_t>(size));
  ferry::agent::replay::GzipStream g(fd, size);
  std::string out;
  size_t total = 0;
  for (;;) {
    out.clear();
    if (!g.read(chunk, out)) break;
    FERRY_RELEASE_ASSERT(out.size() <= chunk);
    total += out.size();
    if (total > (64u << 20)) break;  // a gzip bomb: the replay reads it in chunks too
  }
  ::close(fd);
  return 0;
}
