#pragma once
// A WebHDFS server for tests, written from the Hadoop WebHDFS REST documentation and
// backed by a local directory: CREATE and APPEND with the namenode's 307 redirect to a
// "datanode" URL (same server, marked datanode=true), RENAME answering {"boolean":false}
// when the source is missing or the target exists, GETFILESTATUS / LISTSTATUS with
// FileNotFoundException (404) as RemoteException JSON, MKDIRS, DELETE, and
// FileAlreadyExistsException (403) for CREATE with overwrite=false on an existing file.
// With TLS options it speaks https only (and redirects to https): tls.cert_file/key_file
// is its certificate; with tls.ca_file it also requires a client certificate from that CA.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/net/asio.h"
#include "common/tls/tls_options.h"

namespace ferry::testing {

class FakeWebHdfs {
 public:
  explicit FakeWebHdfs(std::string backing_dir, std::optional<tls::TlsOptions> tls = std::nullopt,
                       std::string bind_address = "127.0.0.1");
  ~FakeWebHdfs();

  uint16_t port() const { return port_; }
  std::string namenode() const { return address_ + ":" + std::to_string(port_); }
  // Local path of an HDFS path ("/ferry/x" -> backing_dir + "/ferry/x").
  std::string local(const std::string& hdfs_path) const { return dir_ + hdfs_path; }
  // Requests seen per "METHOD op" (e.g. "PUT CREATE", "PUT CREATE datanode").
  int count(const std::string& key);
  // The host CREATE/APPEND redirects name (default 127.0.0.1, the namenode's); e.g.
  // "localhost" plays a datanode on another host (it is still this server).
  void redirect_to_host(std::string host);
  // Redirects name plain http even when this server speaks https (a downgrade).
  void redirect_in_clear() { redirect_in_clear_ = true; }

 private:
  void serve();
  template <class Stream>
  void serve_connection(Stream& stream);
  std::string dir_;
  std::string address_;
  std::unique_ptr<asio::ssl::context> tls_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, int> counts_;
  std::string datanode_host_;
  std::atomic<bool> redirect_in_clear_{false};
};

}  // namespace ferry::testing
