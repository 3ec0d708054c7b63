#include "consumer/store/webhdfs_sink.h"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/http/http_client.h"
#include "common/log/printable.h"
#include "common/net/endpoint.h"
#include "consumer/store/errc.h"

namespace ferry::consumer::store {
namespace {

class WebHdfsWriter final : public Sink::Writer {
 public:
  WebHdfsWriter(WebHdfsSink& sink, std::string path) : sink_(sink), path_(std::move(path)) {}
  Result<void> append(std::string_view bytes) override {
    buffer_.append(bytes);
    size_ += bytes.size();
    return success();
  }
  Result<void> sync() override {
    if (buffer_.empty()) return success();
    BOOST_OUTCOME_TRY(sink_.send(path_, buffer_, false));
    buffer_.clear();
    return success();
  }
  uint64_t size() const override { return size_; }

 private:
  WebHdfsSink& sink_;
  std::string path_;
  std::string buffer_;
  uint64_t size_ = 0;
};

// Logs a RemoteException reply (its Java exception name and message) and returns an
// I/O error for the store.
std::error_code remote_error(const std::string& what, const http::ClientReply& r) {
  std::string detail = r.body;
  try {
    auto j = nlohmann::json::parse(r.body);
    detail = j["RemoteException"]["exception"].get<std::string>() + ": " +
             j["RemoteException"]["message"].get<std::string>();
  } catch (const std::exception&) {}
  spdlog::error("webhdfs {} failed: HTTP {} {}", what, r.status, detail);
  return make_error_code(std::errc::io_error);
}

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The host of a "<scheme>host:port/..." URL, lowercased; empty if it has none or
// another scheme.
std::string url_host(const std::string& url, const std::string& scheme) {
  if (url.rfind(scheme, 0) != 0) return {};
  const size_t slash = url.find('/', scheme.size());
  auto hp = net::parse_host_port(
      url.substr(scheme.size(), slash == std::string::npos ? slash : slash - scheme.size()));
  return hp ? lowercase(hp->host) : std::string();
}

bool json_boolean(const std::string& body) {
  try {
    return nlohmann::json::parse(body)["boolean"].get<bool>();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

WebHdfsSink::WebHdfsSink(WebHdfsOptions options, std::shared_ptr<asio::ssl::context> tls)
    : options_(std::move(options)), tls_(std::move(tls)) {
  while (options_.root.size() > 1 && options_.root.back() == '/') options_.root.pop_back();
}

std::string WebHdfsSink::hdfs_path(const std::string& path) const {
  return path.empty() ? options_.root : options_.root + "/" + path;
}

std::string WebHdfsSink::url(const std::string& path, const std::string& op,
                             const std::string& extra) const {
  return scheme() + options_.namenode + "/webhdfs/v1" + hdfs_path(path) + "?op=" + op +
         "&user.name=" + options_.user + extra;
}

Result<void> WebHdfsSink::send(const std::string& path, std::string_view bytes, bool create) {
  const std::string method = create ? "PUT" : "POST";
  const std::string what = create ? "CREATE " + path : "APPEND " + path;
  // Step 1: the namenode names a datanode; no data is sent yet.
  auto first =
      call(method, what, url(path, create ? "CREATE" : "APPEND", create ? "&overwrite=true" : ""));
  if (!first) return first.error();
  if (first.value().status != 307 || first.value().location.empty())
    return remote_error(what, first.value());
  if (!allowed_datanode(first.value().location)) {
    spdlog::error(
        "webhdfs {}: redirect to {} refused: not {} to the namenode's host or one in [webhdfs] "
        "datanodes",
        what, log::printable(first.value().location), scheme());
    return make_error_code(std::errc::permission_denied);
  }
  // Step 2: the data goes to the datanode.
  auto second = call(method, what, first.value().location, std::string(bytes));
  if (!second) return second.error();
  unsigned expected = create ? 201 : 200;
  if (second.value().status != expected) return remote_error(what, second.value());
  return success();
}

bool WebHdfsSink::allowed_datanode(const std::string& location) const {
  const std::string host = url_host(location, scheme());  // with https, never a plain http one
  if (host.empty()) return false;
  if (options_.datanodes.empty())
    return url_host(scheme() + options_.namenode + "/", scheme()) == host;
  return std::any_of(options_.datanodes.begin(), options_.datanodes.end(),
                     [&](const std::string& d) { return lowercase(d) == host; });
}

Result<http::ClientReply> WebHdfsSink::call(const std::string& method, const std::string& what,
                                            const std::string& url, std::string body) {
  if (options_.https && !tls_) return make_error_code(std::errc::invalid_argument);
  auto r = http::fetch(method, url, body, options_.timeout, {}, tls_.get());
  if (!r) {
    const size_t path = url.find('/', url.find("//") + 2);
    spdlog::error("webhdfs {}: {}: {}", what, log::printable(url.substr(0, path)),
                  r.error().message());
  }
  return r;
}

Result<std::unique_ptr<Sink::Writer>> WebHdfsSink::create(const std::string& path) {
  // The file exists (empty, truncated) from the start, as with the POSIX sink; the
  // writer's syncs then APPEND.
  BOOST_OUTCOME_TRY(send(path, {}, true));
  return std::unique_ptr<Writer>(std::make_unique<WebHdfsWriter>(*this, path));
}

Result<void> WebHdfsSink::rename(const std::string& from, const std::string& to) {
  BOOST_OUTCOME_TRY(target, file_size(to));
  if (target) return make_error_code(Errc::kExists);
  auto r = call("PUT", "RENAME " + from, url(from, "RENAME", "&destination=" + hdfs_path(to)));
  if (!r) return r.error();
  if (r.value().status != 200) return remote_error("RENAME " + from, r.value());
  if (!json_boolean(r.value().body)) {
    // false: the source is missing or the target appeared meanwhile.
    BOOST_OUTCOME_TRY(now, file_size(to));
    if (now) return make_error_code(Errc::kExists);
    spdlog::error("webhdfs RENAME {} -> {} returned false", from, to);
    return make_error_code(std::errc::no_such_file_or_directory);
  }
  return success();
}

Result<std::optional<uint64_t>> WebHdfsSink::file_size(const std::string& path) {
  auto r = call("GET", "GETFILESTATUS " + path, url(path, "GETFILESTATUS"));
  if (!r) return r.error();
  if (r.value().status == 404) return std::optional<uint64_t>();
  if (r.value().status != 200) return remote_error("GETFILESTATUS " + path, r.value());
  try {
    auto st = nlohmann::json::parse(r.value().body)["FileStatus"];
    if (st["type"] != "FILE") return std::optional<uint64_t>();
    return std::optional<uint64_t>(st["length"].get<uint64_t>());
  } catch (const std::exception&) {
    return remote_error("GETFILESTATUS " + path + " (bad JSON)", r.value());
  }
}

Result<std::vector<std::string>> WebHdfsSink::list(const std::string& dir) {
  auto r = call("GET", "LISTSTATUS " + dir, url(dir, "LISTSTATUS"));
  if (!r) return r.error();
  if (r.value().status == 404) return std::vector<std::string>();
  if (r.value().status != 200) return remote_error("LISTSTATUS " + dir, r.value());
  std::vector<std::string> names;
  try {
    auto j = nlohmann::json::parse(r.value().body);  // must outlive the loop
    for (const auto& st : j["FileStatuses"]["FileStatus"]) {
      names.push_back(st["pathSuffix"].get<std::string>());
    }
  } catch (const std::exception&) {
    return remote_error("LISTSTATUS " + dir + " (bad JSON)", r.value());
  }
  return names;
}

Result<void> WebHdfsSink::remove(const std::string& path) {
  auto r = call("DELETE", "DELETE " + path, url(path, "DELETE", "&recursive=false"));
  if (!r) return r.error();
  if (r.value().status != 200 && r.value().status != 404)
    return remote_error("DELETE " + path, r.value());
  return success();
}

Result<void> WebHdfsSink::mkdirs(const std::string& dir) {
  auto r = call("PUT", "MKDIRS " + dir, url(dir, "MKDIRS"));
  if (!r) return r.error();
  if (r.value().status != 200 || !json_boolean(r.value().body))
    return remote_error("MKDIRS " + dir, r.value());
  return success();
}

}  // namespace ferry::consumer::store
