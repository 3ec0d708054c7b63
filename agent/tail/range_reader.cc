#include "agent/tail/range_reader.h"

#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "agent/event/line_splitter.h"
#include "agent/tail/errc.h"

namespace ferry::agent::tail {

Result<std::string> pread_exact(int fd, uint64_t offset, uint64_t length) {
  std::string out(length, '\0');
  size_t got = 0;
  while (got < length) {
    ssize_t r = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return std::error_code(errno, std::system_category());
    }
    if (r == 0) return Errc::kRangeUnavailable;
    got += static_cast<size_t>(r);
  }
  return out;
}

Result<std::string> RangeReader::read(const Files& files, const FileIdentity& file, uint64_t offset,
                                      uint64_t length) const {
  for (const FileTailer* t : files.open) {
    auto same = fd_matches(t->fd(), file);
    if (!same)
      spdlog::error("[{}] {}: cannot read its identity: {}", category_, t->path(),
                    same.error().message());
    if (same && same.value()) return pread_exact(t->fd(), offset, length);
  }
  for (const auto& name : files.names(file)) {
    auto opened = FileTailer::open(name, max_event_bytes_, zone_);
    if (!opened) continue;  // gone, or another file by now: the next name may have it
    auto same = fd_matches(opened.value()->fd(), file);
    if (same && same.value()) return pread_exact(opened.value()->fd(), offset, length);
  }
  // The original was truncated (copytruncate) but a copy with the same first bytes is
  // held open: the range lives on there.
  if (fingerprint_length(file.fingerprint) >= kMinCopyPrefix) {
    for (const FileTailer* t : files.open) {
      if (t->identity().dev != file.dev || t->identity().ino == file.ino) continue;
      auto st = t->stat();
      auto starts = starts_with_fingerprint(t->fd(), file.fingerprint);
      if (!starts)
        spdlog::error("[{}] {}: cannot read its first bytes: {}", category_, t->path(),
                      starts.error().message());
      if (st && st.value().size >= offset + length && starts && starts.value()) {
        spdlog::info("[{}] reading {} {}+{} from its copy {}", category_, to_string(file), offset,
                     length, t->path());
        return pread_exact(t->fd(), offset, length);
      }
    }
  }
  return Errc::kFileGone;
}

Result<ReadChunk> RangeReader::reread(const Files& files, const FileIdentity& file, uint64_t offset,
                                      uint64_t length, TimeMs time) const {
  // One byte before the range tells whether it starts inside a long line.
  const uint64_t from = offset > 0 ? offset - 1 : 0;
  BOOST_OUTCOME_TRY(bytes, read(files, file, from, length + (offset - from)));
  ReadChunk chunk;
  chunk.file = file;
  chunk.offset = offset;
  event::LineSplitter splitter(max_event_bytes_, zone_);
  if (offset > 0 && bytes[0] != '\n') splitter.resume_mid_line(time);
  chunk.bytes = bytes.substr(offset - from);
  splitter.split(chunk.bytes, offset, time, /*final=*/true, chunk.events);
  for (const FileTailer* t : files.open) {
    if (same_inode(t->identity(), file)) chunk.path = t->path();
  }
  return chunk;
}

}  // namespace ferry::agent::tail
