#pragma once
// Where committed output goes: a POSIX directory (PosixSink) now, WebHDFS later. Paths
// are relative to the sink's root, '/'-separated, and never start with '/'.
//
// Contract the commit protocol relies on (consumer/store/README.md):
// - a Writer's sync() returns only when the bytes appended so far, and the file's name,
//   are durable;
// - rename() is atomic (a reader sees the old name or the new one, never a partial
//   file), durable when it returns, and refuses (Errc::kExists) when `to` exists;
// - remove() of a missing path succeeds; mkdirs() of an existing directory succeeds.
// Not thread-safe; one owner calls it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace ferry::consumer::store {

class Sink {
 public:
  class Writer {
   public:
    virtual ~Writer() = default;
    virtual Result<void> append(std::string_view bytes) = 0;
    virtual Result<void> sync() = 0;
    // Bytes appended so far.
    virtual uint64_t size() const = 0;
  };

  virtual ~Sink() = default;

  // Creates (truncating) a file for appending. Its directory must exist.
  virtual Result<std::unique_ptr<Writer>> create(const std::string& path) = 0;
  virtual Result<void> rename(const std::string& from, const std::string& to) = 0;
  // Size of a regular file, or nullopt when it does not exist.
  virtual Result<std::optional<uint64_t>> file_size(const std::string& path) = 0;
  Result<bool> exists(const std::string& path) {
    BOOST_OUTCOME_TRY(size, file_size(path));
    return size.has_value();
  }
  // Names (not paths) of the entries of a directory; empty when it does not exist.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  virtual Result<void> remove(const std::string& path) = 0;
  // A whole (small) file: commit manifests (consumer/store/shared_commits.h). Sinks that
  // cannot read say so (operation not supported).
  virtual Result<std::string> read(const std::string& path) {
    (void)path;
    return std::make_error_code(std::errc::operation_not_supported);
  }
  virtual Result<void> mkdirs(const std::string& dir) = 0;
  // Like rename(), but an existing `to` is replaced, atomically (a reader sees the old
  // file or the new one): the progress a consumer of a tier publishes (TierHours).
  // Sinks that cannot say so (operation not supported).
  virtual Result<void> replace(const std::string& from, const std::string& to) {
    (void)from;
    (void)to;
    return std::make_error_code(std::errc::operation_not_supported);
  }
};

// Parent directory of a sink path ("" for a top-level name).
std::string parent_dir(std::string_view path);

}  // namespace ferry::consumer::store
