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
#include <memory>
#include <string>

#include "common/http/http_client.h"
#include "common/net/asio.h"
#include "consumer/store/sink.h"
#include "consumer/store/webhdfs_options.h"

namespace ferry::consumer::store {

class WebHdfsSink final : public Sink {
 public:
  // `tls`: required when options.https (shared, immutable).
  explicit WebHdfsSink(WebHdfsOptions options, std::shared_ptr<asio::ssl::context> tls = nullptr);

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
  std::string url(const std::string& path, const std::string& op,
                  const std::string& extra = {}) const;
  std::string hdfs_path(const std::string& path) const;
  std::string scheme() const { return options_.https ? "https://" : "http://"; }
  bool allowed_datanode(const std::string& location) const;
  // http::fetch with this sink's timeout and TLS context; logs a failure to connect.
  Result<http::ClientReply> call(const std::string& method, const std::string& what,
                                 const std::string& url, std::string body = {});

  WebHdfsOptions options_;
  std::shared_ptr<asio::ssl::context> tls_;
};

}  // namespace ferry::consumer::store
