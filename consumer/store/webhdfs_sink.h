#pragma once
// Sink over HDFS through the WebHDFS REST API (Hadoop's documented HTTP interface):
// CREATE and APPEND with the two-step redirect (the namenode answers 307 with a
// datanode Location, the data goes there), RENAME, MKDIRS, GETFILESTATUS, LISTSTATUS,
// DELETE. Blocking calls with a timeout each; the store's worker thread owns it.
//
// Durability: WebHDFS has no fsync. A Writer buffers appends and sync() sends them
// (CREATE the first time, APPEND after); it returns once the datanode acknowledged, which
// is HDFS's pipeline acknowledgement. An APPEND whose reply is lost is not retried
// blindly (that could write the bytes twice): the error poisons the store, and restart
// recovery deletes the unfinished temp file and lets brokers redeliver.
//
// Tested against a WebHDFS server written for the tests from the Hadoop documentation,
// not yet against a real Hadoop cluster.

#include <chrono>
#include <string>
#include <vector>

#include "consumer/store/sink.h"

namespace ferry::consumer::store {

struct WebHdfsOptions {
  std::string namenode;   // host:port of the namenode's HTTP endpoint
  std::string root = "/ferry";  // absolute HDFS path under which everything is written
  std::string user = "ferry";   // user.name (simple authentication)
  std::chrono::milliseconds timeout{30'000};
  // Hosts (as the namenode names them in its redirects) the data may be sent to. Empty:
  // only the namenode's own host. A redirect anywhere else is refused, so a namenode
  // answer (or whoever forged it) cannot send the output to a foreign host.
  std::vector<std::string> datanodes;
};

class WebHdfsSink final : public Sink {
 public:
  explicit WebHdfsSink(WebHdfsOptions options);

  Result<std::unique_ptr<Writer>> create(const std::string& path) override;
  Result<void> rename(const std::string& from, const std::string& to) override;
  Result<std::optional<uint64_t>> file_size(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Result<void> remove(const std::string& path) override;
  Result<void> mkdirs(const std::string& dir) override;

  // Sends bytes to a file: CREATE (overwrite) when `create`, else APPEND; both follow
  // the namenode's redirect. Used by the Writer.
  Result<void> send(const std::string& path, std::string_view bytes, bool create);

 private:
  std::string url(const std::string& path, const std::string& op, const std::string& extra = {}) const;
  std::string hdfs_path(const std::string& path) const;
  bool allowed_datanode(const std::string& location) const;

  WebHdfsOptions options_;
};

}  // namespace ferry::consumer::store
