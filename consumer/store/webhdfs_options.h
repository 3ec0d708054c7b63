#pragma once
// What the consumer's [webhdfs] section configures (webhdfs_sink.h).

#include <chrono>
#include <string>
#include <vector>

#include "common/tls/tls_options.h"

namespace ferry::consumer::store {

struct WebHdfsOptions {
  std::string namenode;  // host:port of the namenode's HTTP endpoint
  // https to the namenode and the datanodes, verified against tls.ca_file (plus a client
  // certificate when tls.cert_file/key_file are set); the sink needs a context made from
  // it (tls::make_https_client_context). Redirects must then be https too.
  bool https = false;
  tls::TlsOptions tls{};
  std::string root = "/ferry";  // absolute HDFS path under which everything is written
  std::string user = "ferry";   // user.name (simple authentication)
  std::chrono::milliseconds timeout{30'000};
  // Hosts (as the namenode names them in its redirects) the data may be sent to. Empty:
  // only the namenode's own host. A redirect anywhere else is refused, so a namenode
  // answer (or whoever forged it) cannot send the output to a foreign host.
  std::vector<std::string> datanodes{};
};

}  // namespace ferry::consumer::store
