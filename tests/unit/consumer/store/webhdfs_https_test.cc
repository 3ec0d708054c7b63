// WebHDFS over https: the namenode's and datanodes' certificates must chain to
// [webhdfs] ca_file and name the host dialled, or nothing is sent. Before, the sink
// spoke plain http only, so the output crossed the network in clear.

#include <filesystem>

#include <gtest/gtest.h>

#include "common/http/http_client.h"
#include "common/tls/cert_factory.h"
#include "common/tls/tls_context.h"
#include "consumer/store/webhdfs_sink.h"
#include "tests/support/fake_webhdfs.h"
#include "tests/support/temp_dir.h"

namespace ferry::consumer::store {
namespace {

namespace fs = std::filesystem;

class WebHdfsHttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tls::make_dev_pki(
        dir_.file("pki"), {tls::RoleClaim::admin("namenode"), tls::RoleClaim::admin("ferry")}));
    ASSERT_TRUE(tls::make_dev_pki(dir_.file("other"), {tls::RoleClaim::admin("namenode")}));
  }
  tls::TlsOptions server_tls(const std::string& pki, bool require_client = false) const {
    return {.cert_file = dir_.file(pki + "/namenode.crt"),
            .key_file = dir_.file(pki + "/namenode.key"),
            .ca_file = require_client ? dir_.file("pki/ca.crt") : "",
            .crl_file = ""};
  }
  std::shared_ptr<asio::ssl::context> client(bool with_cert = false) const {
    tls::TlsOptions o;
    o.ca_file = dir_.file("pki/ca.crt");
    if (with_cert) {
      o.cert_file = dir_.file("pki/ferry.crt");
      o.key_file = dir_.file("pki/ferry.key");
    }
    auto ctx = tls::make_https_client_context(o);
    EXPECT_TRUE(ctx) << ctx.error().text;
    return ctx ? ctx.value() : nullptr;
  }
  WebHdfsOptions options(const testing::FakeWebHdfs& s) const {
    return {.namenode = s.namenode(),
            .https = true,
            .root = "/ferry",
            .timeout = std::chrono::seconds(5)};
  }
  // Creates, writes, syncs and renames one file; true if all of it went through.
  static bool write_one(WebHdfsSink& sink) {
    if (!sink.mkdirs("cat/2026-11-23/07")) return false;
    auto w = sink.create("cat/2026-11-23/07/.part.tmp");
    if (!w || !w.value()->append("over tls\n") || !w.value()->sync()) return false;
    return bool(sink.rename("cat/2026-11-23/07/.part.tmp", "cat/2026-11-23/07/part-c1-1.log"));
  }
  testing::TempDir dir_;
};

TEST_F(WebHdfsHttpsTest, NamenodeAndDatanodeOverHttpsWithTheConfiguredCa) {
  testing::FakeWebHdfs server(dir_.file("hdfs"), server_tls("pki"));
  WebHdfsSink sink(options(server), client());
  ASSERT_TRUE(write_one(sink));
  EXPECT_EQ(server.count("PUT CREATE datanode"), 1);
  EXPECT_EQ(server.count("POST APPEND datanode"), 1);
  EXPECT_EQ(testing::read_file(server.local("/ferry/cat/2026-11-23/07/part-c1-1.log")),
            "over tls\n");
}

TEST_F(WebHdfsHttpsTest, ACertificateFromAnotherCaIsRefusedBeforeAnythingIsSent) {
  testing::FakeWebHdfs server(dir_.file("hdfs"), server_tls("other"));
  WebHdfsSink sink(options(server), client());
  auto r = sink.mkdirs("cat");
  ASSERT_FALSE(r);
  EXPECT_EQ(&r.error().category(), &http::https_category());
  EXPECT_NE(r.error().message().find(
                "server certificate refused: unable to get local issuer certificate"),
            std::string::npos)
      << r.error().message();
  EXPECT_EQ(server.count("PUT MKDIRS"), 0);
  EXPECT_FALSE(fs::exists(dir_.file("hdfs/ferry/cat")));
}

// The certificate is the right CA's, but for 127.0.0.1 and localhost, not the address
// dialled.
TEST_F(WebHdfsHttpsTest, ACertificateForAnotherHostIsRefused) {
  testing::FakeWebHdfs server(dir_.file("hdfs"), server_tls("pki"), "127.0.0.2");
  WebHdfsSink sink(options(server), client());
  auto r = sink.mkdirs("cat");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("mismatch"), std::string::npos) << r.error().message();
  EXPECT_EQ(server.count("PUT MKDIRS"), 0);
}

TEST_F(WebHdfsHttpsTest, AClientCertificateWhenTheServerAsksForOne) {
  testing::FakeWebHdfs server(dir_.file("hdfs"), server_tls("pki", /*require_client=*/true));
  WebHdfsSink without(options(server), client());
  EXPECT_FALSE(without.mkdirs("cat"));
  WebHdfsSink with(options(server), client(/*with_cert=*/true));
  EXPECT_TRUE(write_one(with));
}

// An https namenode that redirects to plain http would have the data sent in clear.
TEST_F(WebHdfsHttpsTest, ARedirectToPlainHttpIsRefused) {
  testing::FakeWebHdfs server(dir_.file("hdfs"), server_tls("pki"));
  server.redirect_in_clear();
  WebHdfsSink sink(options(server), client());
  auto w = sink.create("d/a");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), std::errc::permission_denied);
  EXPECT_EQ(server.count("PUT CREATE"), 1);
}

TEST_F(WebHdfsHttpsTest, PlainHttpKeepsWorkingAndHttpsNeedsAContext) {
  testing::FakeWebHdfs plain(dir_.file("hdfs"));
  WebHdfsOptions o = options(plain);
  o.https = false;
  WebHdfsSink sink(o);
  EXPECT_TRUE(write_one(sink));
  WebHdfsSink no_context(options(plain));
  EXPECT_FALSE(no_context.mkdirs("cat"));
}

}  // namespace
}  // namespace ferry::consumer::store
