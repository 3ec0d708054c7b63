// Unmodified Kafka clients (kcat, python3-confluent-kafka, both librdkafka) against the
// Kafka server in this process, over TLS, backed by the in-memory fakes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <sstream>
#include <thread>

#include "common/net/free_port.h"
#include "common/tls/context_source.h"
#include "common/tls/tls_context.h"
#include "consumer/kafka/kafka_server.h"
#include "consumer/kafka/kafka_service.h"
#include "tests/fakes/fake_live_log.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace ferry::consumer::kafka {
namespace {

using namespace std::chrono_literals;

constexpr const char* kKcat = "/usr/bin/kcat";
constexpr const char* kPython = "/usr/bin/python3";

bool has_confluent_kafka() {
  return std::system("/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1") == 0;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string read_or_empty(const std::string& path) {
  return std::filesystem::exists(path) ? testing::read_file(path) : std::string();
}

class KafkaClientsTest : public ::testing::Test {
 protected:
  KafkaClientsTest()
      : pki_({tls::RoleClaim::consumer("kafka-server"), tls::RoleClaim::agent("subscriber")}) {}

  void SetUp() override {
    auto context = tls::make_server_context(pki_.options("kafka-server"));
    ASSERT_TRUE(context) << context.error().text;
    // Metadata advertises the port, so it is chosen before the service is made.
    port_ = net::free_loopback_port();
    KafkaServiceOptions options;
    options.advertised_port = port_;
    service_ = std::make_unique<KafkaService>(log_, offsets_, SystemClock::instance(), options);
    server_ = std::make_unique<KafkaServer>(
        io_.get_executor(), std::make_shared<tls::ContextSource>(context.value()), *service_,
        [this](const tls::PeerIdentity&) { return !refuse_everyone_.load(); });
    ASSERT_FALSE(server_->listen("127.0.0.1", port_));
    server_->start();
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (!io_thread_.joinable()) return;
    // The clients are gone; a session may still sit in a Fetch wait. Stop the listener
    // on its thread, then the io thread: what is left is freed with the io_context.
    std::promise<void> stopped;
    asio::post(io_, [&] {
      server_->stop_accepting();
      stopped.set_value();
    });
    stopped.get_future().wait();
    io_.stop();
    io_thread_.join();
  }

  std::string ssl_args() const {
    return " -X security.protocol=ssl -X ssl.ca.location=" + pki_.ca_file() +
           " -X ssl.certificate.location=" + pki_.cert_file("subscriber") +
           " -X ssl.key.location=" + pki_.key_file("subscriber");
  }
  std::string broker() const { return "127.0.0.1:" + std::to_string(port_); }

  // Runs `command` through sh (exec'd, so the pid is the client's), stdout and stderr to
  // files in the temp dir.
  std::unique_ptr<testing::Process> spawn(const std::string& name, const std::string& command) {
    return std::make_unique<testing::Process>(
        "/bin/sh",
        std::vector<std::string>{"-c", "exec " + command + " >" + out(name) + " 2>" + err(name)},
        dir_.file(name + ".log"));
  }
  std::string out(const std::string& name) const { return dir_.file(name + ".out"); }
  std::string err(const std::string& name) const { return dir_.file(name + ".err"); }

  std::string kcat(const std::string& args) const {
    return std::string(kKcat) + " -C -b " + broker() + " -f '%s\\n'" + ssl_args() + " " + args;
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
  testing::FakeLiveLog log_;
  testing::FakeGroupOffsets offsets_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::unique_ptr<KafkaService> service_;
  std::unique_ptr<KafkaServer> server_;
  std::thread io_thread_;
  uint16_t port_ = 0;
  std::atomic<bool> refuse_everyone_{false};
};

#define REQUIRE_KCAT() \
  if (access(kKcat, X_OK) != 0) GTEST_SKIP() << "kcat is not installed (apt-get install kcat)"

TEST_F(KafkaClientsTest, KcatReadsEveryStoredLineInOrder) {
  REQUIRE_KCAT();
  log_.append("app", {"line 1", "line 2", "line 3"});
  log_.append("app", {"line 4"}, 1'800'000'000'500, "web-02", Compression::kZstd);
  log_.append("app", {"line 5", "line 6"});
  auto p = spawn("kcat", kcat("-t app -o beginning -e"));
  ASSERT_EQ(p->wait(15s), 0) << read_or_empty(err("kcat"));
  EXPECT_EQ(lines_of(read_or_empty(out("kcat"))),
            (std::vector<std::string>{"line 1", "line 2", "line 3", "line 4", "line 5", "line 6"}));
}

TEST_F(KafkaClientsTest, KcatAtTheEndSeesAppendedLinesPromptly) {
  REQUIRE_KCAT();
  log_.append("live", {"old"});
  // With fetch.wait.max.ms at 20 s, a line arriving within 5 s proves the wake-up. -u:
  // kcat writes each line as it comes, not when its stdio buffer fills.
  auto p = spawn("kcat", kcat("-u -t live -o end -X fetch.wait.max.ms=20000"));
  // kcat resolves "end" at some moment after it starts; a line appended before then is
  // rightly skipped, so append until one shows, then time the next one.
  int n = 0;
  const bool first = testing::wait_until(
      [&] {
        if (n < 50) log_.append("live", {"probe " + std::to_string(n++)});
        server_->notify_appended("live");
        return read_or_empty(out("kcat")).find("probe") != std::string::npos;
      },
      10s);
  ASSERT_TRUE(first) << read_or_empty(err("kcat"));
  // Let kcat settle into its next long-poll Fetch, then append one line.
  std::this_thread::sleep_for(300ms);
  log_.append("live", {"the new line"});
  server_->notify_appended("live");
  EXPECT_TRUE(testing::wait_until(
      [&] { return read_or_empty(out("kcat")).find("the new line") != std::string::npos; }, 5s))
      << read_or_empty(err("kcat"));
  EXPECT_EQ(read_or_empty(out("kcat")).find("old"), std::string::npos);
  p->kill9();
}

TEST_F(KafkaClientsTest, KcatOnAnUnknownTopicGetsUnknownTopic) {
  REQUIRE_KCAT();
  log_.append("app", {"x"});
  auto p = spawn("kcat", kcat("-t nope -o beginning -e"));
  EXPECT_TRUE(testing::wait_until(
      [&] {
        return read_or_empty(err("kcat")).find("Unknown topic or partition") != std::string::npos;
      },
      10s))
      << read_or_empty(err("kcat"));
  p->kill9();
}

TEST_F(KafkaClientsTest, KcatBeforeTheLogStartIsOutOfRangeAndResets) {
  REQUIRE_KCAT();
  log_.append("app", {"gone 1", "gone 2"});
  log_.append("app", {"kept 3", "kept 4"});
  log_.trim_before("app", 2);
  // Offset 0 is below log_start: the broker says OFFSET_OUT_OF_RANGE and the client
  // applies auto.offset.reset (earliest), reading from the log start.
  auto p = spawn("kcat", kcat("-t app -o 0 -e -X auto.offset.reset=earliest -d fetch"));
  ASSERT_EQ(p->wait(15s), 0) << read_or_empty(err("kcat"));
  EXPECT_EQ(lines_of(read_or_empty(out("kcat"))), (std::vector<std::string>{"kept 3", "kept 4"}));
  EXPECT_NE(read_or_empty(err("kcat")).find("Offset out of range"), std::string::npos)
      << read_or_empty(err("kcat"));
}

TEST_F(KafkaClientsTest, RefusedPeerIsClosed) {
  REQUIRE_KCAT();
  refuse_everyone_ = true;
  log_.append("app", {"secret"});
  auto p = spawn("kcat", kcat("-t app -o beginning -e -m 3"));
  (void)p->wait(10s);
  EXPECT_EQ(read_or_empty(out("kcat")).find("secret"), std::string::npos);
}

constexpr const char* kGroupConsumer = R"(
import sys, time, confluent_kafka
broker, topic, ca, cert, key, count = sys.argv[1:7]
c = confluent_kafka.Consumer({
    'bootstrap.servers': broker, 'group.id': 'readers', 'security.protocol': 'ssl',
    'ssl.ca.location': ca, 'ssl.certificate.location': cert, 'ssl.key.location': key,
    'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
    'session.timeout.ms': 2000, 'heartbeat.interval.ms': 300})
c.subscribe([topic])
read = 0
while read < int(count):
    m = c.poll(0.2)
    if m is None:
        continue
    if m.error():
        print('error', m.error(), file=sys.stderr, flush=True)
        continue
    print(m.offset(), m.value().decode(), flush=True)
    c.commit(message=m, asynchronous=False)
    read += 1
print('DONE', flush=True)
if sys.argv[7] == 'hang':
    time.sleep(600)
c.close()
)";

TEST_F(KafkaClientsTest, GroupConsumerResumesFromTheCommittedOffsetAfterSigkill) {
  if (!has_confluent_kafka()) GTEST_SKIP() << "python3-confluent-kafka is not installed";
  std::vector<std::string> lines;
  for (int i = 0; i < 10; ++i) lines.push_back("event " + std::to_string(i));
  log_.append("app", {lines.begin(), lines.begin() + 5});
  log_.append("app", {lines.begin() + 5, lines.end()}, 1'800'000'000'000, "web-02",
              Compression::kZstd);
  testing::write_file(dir_.file("consumer.py"), kGroupConsumer);
  auto python = [&](const std::string& count, const std::string& then) {
    return std::string(kPython) + " " + dir_.file("consumer.py") + " " + broker() + " app " +
           pki_.ca_file() + " " + pki_.cert_file("subscriber") + " " + pki_.key_file("subscriber") +
           " " + count + " " + then;
  };

  auto first = spawn("first", python("4", "hang"));
  ASSERT_TRUE(testing::wait_until(
      [&] { return read_or_empty(out("first")).find("DONE") != std::string::npos; }, 20s))
      << read_or_empty(err("first"));
  first->kill9();  // no LeaveGroup: the coordinator must expire its session

  auto second = spawn("second", python("6", "exit"));
  ASSERT_EQ(second->wait(30s), 0) << read_or_empty(err("second"));
  EXPECT_EQ(lines_of(read_or_empty(out("first"))),
            (std::vector<std::string>{"0 event 0", "1 event 1", "2 event 2", "3 event 3", "DONE"}));
  EXPECT_EQ(lines_of(read_or_empty(out("second"))),
            (std::vector<std::string>{"4 event 4", "5 event 5", "6 event 6", "7 event 7",
                                      "8 event 8", "9 event 9", "DONE"}));
  EXPECT_EQ(offsets_.fetch("readers", "app", 0)->offset, 10);
}

}  // namespace
}  // namespace ferry::consumer::kafka
