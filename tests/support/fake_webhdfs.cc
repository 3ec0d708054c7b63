#include "tests/support/fake_webhdfs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "common/net/asio.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;
using json = nlohmann::json;

std::map<std::string, std::string> parse_query(const std::string& q) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < q.size()) {
    size_t amp = q.find('&', start);
    if (amp == std::string::npos) amp = q.size();
    std::string kv = q.substr(start, amp - start);
    auto eq = kv.find('=');
    out[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    start = amp + 1;
  }
  return out;
}

std::string remote_exception(const std::string& name, const std::string& message) {
  return json{
      {"RemoteException",
       {{"exception", name}, {"javaClassName", "org.apache.hadoop." + name}, {"message", message}}}}
      .dump();
}

}  // namespace

FakeWebHdfs::FakeWebHdfs(std::string backing_dir, std::optional<tls::TlsOptions> tls,
                         std::string bind_address)
    : dir_(std::move(backing_dir)),
      address_(bind_address),
      datanode_host_(std::move(bind_address)) {
  if (tls) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls_->use_certificate_chain_file(tls->cert_file);
    tls_->use_private_key_file(tls->key_file, asio::ssl::context::pem);
    if (!tls->ca_file.empty()) {
      tls_->load_verify_file(tls->ca_file);
      tls_->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, address_.c_str(), &addr.sin_addr);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  ::listen(listen_fd_, 16);
  thread_ = std::thread([this] { serve(); });
}

FakeWebHdfs::~FakeWebHdfs() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  thread_.join();
}

void FakeWebHdfs::redirect_to_host(std::string host) {
  std::lock_guard lock(mu_);
  datanode_host_ = std::move(host);
}

int FakeWebHdfs::count(const std::string& key) {
  std::lock_guard lock(mu_);
  return counts_[key];
}

void FakeWebHdfs::serve() {
  asio::io_context io;
  while (!stop_) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    tcp::socket socket(io, tcp::v4(), fd);
    if (!tls_) {
      serve_connection(socket);
      continue;
    }
    asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
    boost::system::error_code ec;
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (!ec) serve_connection(stream);
  }
}

template <class Stream>
void FakeWebHdfs::serve_connection(Stream& socket) {
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec;
  while (!ec) {
    bhttp::request<bhttp::string_body> req;
    bhttp::read(socket, buffer, req, ec);
    if (ec) break;
    std::string target(req.target());
    auto qpos = target.find('?');
    std::string path = target.substr(0, qpos);
    auto q = parse_query(qpos == std::string::npos ? "" : target.substr(qpos + 1));
    const std::string prefix = "/webhdfs/v1";
    std::string hdfs = path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
    std::string local = dir_ + hdfs;
    std::string op = q["op"];
    bool datanode = q.count("datanode") > 0;
    {
      std::lock_guard lock(mu_);
      ++counts_[std::string(req.method_string()) + " " + op + (datanode ? " datanode" : "")];
    }
    bhttp::response<bhttp::string_body> res(bhttp::status::ok, req.version());
    res.set(bhttp::field::content_type, "application/json");
    auto not_found = [&] {
      res.result(bhttp::status::not_found);
      res.body() = remote_exception("FileNotFoundException", "File does not exist: " + hdfs);
    };
    std::error_code fec;
    if ((op == "CREATE" || op == "APPEND") && !datanode) {
      if (op == "CREATE" && q["overwrite"] == "false" && fs::exists(local)) {
        res.result(bhttp::status::forbidden);
        res.body() = remote_exception("FileAlreadyExistsException",
                                      hdfs + " for client 127.0.0.1 already exists");
      } else if (op == "APPEND" && !fs::is_regular_file(local)) {
        not_found();
      } else {
        res.result(bhttp::status::temporary_redirect);
        std::string host;
        {
          std::lock_guard lock(mu_);
          host = datanode_host_;
        }
        res.set(bhttp::field::location, (tls_ && !redirect_in_clear_ ? "https://" : "http://") +
                                            host + ":" + std::to_string(port_) + target +
                                            "&datanode=true");
      }
    } else if (op == "CREATE") {
      fs::create_directories(fs::path(local).parent_path(), fec);
      std::ofstream(local, std::ios::binary | std::ios::trunc) << req.body();
      res.result(bhttp::status::created);
    } else if (op == "APPEND") {
      std::ofstream(local, std::ios::binary | std::ios::app) << req.body();
    } else if (op == "RENAME") {
      std::string dest = dir_ + q["destination"];
      bool ok =
          fs::exists(local) && !fs::exists(dest) && fs::is_directory(fs::path(dest).parent_path());
      if (ok) fs::rename(local, dest, fec);
      res.body() = json{{"boolean", ok && !fec}}.dump();
    } else if (op == "GETFILESTATUS") {
      if (!fs::exists(local)) {
        not_found();
      } else {
        bool file = fs::is_regular_file(local);
        res.body() = json{{"FileStatus",
                           {{"pathSuffix", ""},
                            {"type", file ? "FILE" : "DIRECTORY"},
                            {"length", file ? fs::file_size(local) : 0}}}}
                         .dump();
      }
    } else if (op == "LISTSTATUS") {
      if (!fs::is_directory(local)) {
        not_found();
      } else {
        json list = json::array();
        for (const auto& e : fs::directory_iterator(local)) {
          list.push_back({{"pathSuffix", e.path().filename().string()},
                          {"type", e.is_regular_file() ? "FILE" : "DIRECTORY"},
                          {"length", e.is_regular_file() ? e.file_size() : 0}});
        }
        res.body() = json{{"FileStatuses", {{"FileStatus", list}}}}.dump();
      }
    } else if (op == "DELETE") {
      bool existed = fs::exists(local);
      if (existed) fs::remove(local, fec);
      res.body() = json{{"boolean", existed}}.dump();
    } else if (op == "MKDIRS") {
      fs::create_directories(local, fec);
      res.body() = json{{"boolean", !fec}}.dump();
    } else {
      res.result(bhttp::status::bad_request);
      res.body() = remote_exception("IllegalArgumentException",
                                    "Invalid value for webhdfs parameter \"op\": " + op);
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    bhttp::write(socket, res, ec);
    if (!req.keep_alive()) break;
  }
}

}  // namespace ferry::testing
