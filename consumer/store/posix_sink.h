#pragma once
// Sink over a local or mounted directory. Durability by fsync of the file and of every
// directory whose entries changed; rename uses renameat2(RENAME_NOREPLACE) where the
// filesystem supports it (falling back to link + unlink, which also never replaces).

#include <string>

#include "common/storage/file_modes.h"
#include "consumer/store/sink.h"

namespace ferry::consumer::store {

class PosixSink final : public Sink {
 public:
  // Files are created with modes.file and directories with modes.dir, whatever the umask.
  explicit PosixSink(std::string root, storage::FileModes modes = {});

  Result<std::unique_ptr<Writer>> create(const std::string& path) override;
  Result<void> rename(const std::string& from, const std::string& to) override;
  Result<std::optional<uint64_t>> file_size(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Result<void> remove(const std::string& path) override;
  Result<std::string> read(const std::string& path) override;
  Result<void> mkdirs(const std::string& dir) override;
  Result<void> replace(const std::string& from, const std::string& to) override;

  const std::string& root() const { return root_; }

 private:
  std::string full(const std::string& path) const;
  std::string root_;
  storage::FileModes modes_;
};

}  // namespace ferry::consumer::store
