#include "agent/replay/replay_snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "agent/replay/gzip_stream.h"
#include "agent/tail/file_identity.h"
#include "agent/tail/glob_scan.h"
#include "agent/tail/range_reader.h"
#include "common/base/utc_time.h"

namespace ferry::agent::replay {
namespace {

// The first decompressed bytes of a .gz file, up to tail::kFingerprintBytes; empty if
// they cannot be read (reading the file reports why).
std::string gzip_head(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string why;
  auto head = GzipStream::head(fd, size, tail::kFingerprintBytes, why);
  ::close(fd);
  return head.value_or(std::string());
}

std::string plain_head(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  auto head = tail::pread_exact(fd, 0, std::min<uint64_t>(size, tail::kFingerprintBytes));
  ::close(fd);
  return head ? std::move(head).value() : std::string();
}

std::string joined(const std::vector<std::string>& globs) {
  std::string out;
  for (const auto& g : globs) out += (out.empty() ? "" : ", ") + g;
  return out;
}

}  // namespace

bool copy_of(std::string_view gz_head, std::string_view plain_head) {
  return gz_head.size() >= tail::kMinCopyPrefix && plain_head.size() >= gz_head.size() &&
         plain_head.substr(0, gz_head.size()) == gz_head;
}

SourceSnapshot take_snapshot(const std::vector<std::string>& globs, uint64_t replay_id) {
  SourceSnapshot snap;
  for (const auto& m : tail::expand_globs(globs)) {
    struct stat st {};
    if (::stat(m.path.c_str(), &st) != 0) continue;
    // Compressed other than by gzip: not readable here; the index reports its lines
    // missing if the range needs them.
    if (tail::is_compressed_copy(m.path) && !is_gzip_name(m.path)) continue;
    snap.files.push_back(
        {m.path, m.dev, m.ino, static_cast<uint64_t>(st.st_size), is_gzip_name(m.path)});
  }
  std::vector<std::string> plain_heads;
  for (const auto& f : snap.files) {
    if (!f.gzip) plain_heads.push_back(plain_head(f.path, f.size));
  }
  std::erase_if(snap.files, [&](const FileRef& f) {
    if (!f.gzip) return false;
    std::string head = gzip_head(f.path, f.size);
    for (const auto& p : plain_heads) {
      if (copy_of(head, p)) {
        spdlog::info(
            "replay {}: {} is being compressed from a file the replay reads already: not read",
            replay_id, f.path);
        return true;
      }
    }
    snap.gz_heads.push_back(std::move(head));
    return false;
  });
  return snap;
}

std::vector<wire::ReplayMissing> files_gone(const SourceSnapshot& snapshot, const SourceConfig& src,
                                            const FileHours& hours, const wire::ReplayRequest& req,
                                            const std::string& host) {
  std::vector<wire::ReplayMissing> gone;
  for (const auto& f : hours.overlapping(src.category, req.from_ms, req.to_ms)) {
    bool present = false;
    for (const auto& have : snapshot.files) present |= have.dev == f.dev && have.ino == f.ino;
    // Compressed since it was read (a new inode): its copy holds the lines.
    for (const auto& head : snapshot.gz_heads) present |= FileHours::covered_by_copy(f, head);
    if (present) continue;
    gone.push_back({host, src.category, std::max(req.from_ms, f.min_time_ms),
                    std::min(req.to_ms, f.max_time_ms + 1),
                    "file " + f.path + " on host " + host + ", which held lines from " +
                        format_iso_ms(f.min_time_ms) + " to " + format_iso_ms(f.max_time_ms) +
                        ", was deleted (or rotated out of " + joined(src.paths) + ")"});
  }
  return gone;
}

int open_snapshot_file(const FileRef& f, const std::vector<std::string>& globs) {
  auto try_open = [&f](const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_dev) != f.dev ||
        static_cast<uint64_t>(st.st_ino) != f.ino || static_cast<uint64_t>(st.st_size) < f.size) {
      ::close(fd);
      return -1;
    }
    return fd;
  };
  int fd = try_open(f.path);
  if (fd >= 0) return fd;
  for (const auto& m : tail::expand_globs(globs)) {
    if (m.dev == f.dev && m.ino == f.ino && (fd = try_open(m.path)) >= 0) return fd;
  }
  return -1;
}

}  // namespace ferry::agent::replay
