#include "consumer/kafka/kafka_server.h"

#include "consumer/kafka/kafka_wire.h"

#include <spdlog/spdlog.h>

namespace ferry::consumer::kafka {
namespace {

constexpr uint32_t kNoFrameBody = 0;  // TlsServer's frame limit: unused by stream sessions

// Closes the connection unless cancelled before `timeout`: bounds a read or a write.
class Watchdog {
 public:
  explicit Watchdog(net::TlsStream& stream) : stream_(stream), timer_(stream.get_executor()) {}
  void arm(std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([&stream = stream_](boost::system::error_code ec) {
      if (ec) return;  // re-armed, disarmed or destroyed: the stream is not touched
      boost::system::error_code ignored;
      stream.lowest_layer().close(ignored);
    });
  }
  void disarm() { timer_.cancel(); }

 private:
  net::TlsStream& stream_;
  asio::steady_timer timer_;
};

}  // namespace

KafkaServer::KafkaServer(asio::any_io_executor executor, std::shared_ptr<tls::ContextSource> tls,
                         KafkaService& service, Authorize authorize, KafkaServerOptions options)
    : executor_(executor),
      service_(service),
      authorize_(std::move(authorize)),
      options_(std::move(options)),
      listener_(executor, std::move(tls), options_.tuning, kNoFrameBody, "kafka", options_.limits),
      tick_timer_(executor) {}

KafkaServer::~KafkaServer() = default;

std::error_code KafkaServer::listen(const std::string& address, uint16_t port) {
  return listener_.listen(address, port);
}

void KafkaServer::start() {
  listener_.start_streams([this](net::TlsStream stream, std::string remote) {
    return serve(this, std::move(stream), std::move(remote));
  });
  asio::co_spawn(executor_, tick_loop(this), net::log_exception);
}

void KafkaServer::stop_accepting() {
  stopped_ = true;
  listener_.stop_accepting();
  tick_timer_.cancel();
}

void KafkaServer::notify_appended(std::string topic) {
  asio::post(executor_, [this, topic = std::move(topic)] { wake(topic); });
}

void KafkaServer::wake(const std::string& topic) {
  auto it = waiting_.find(topic);
  if (it == waiting_.end()) return;
  for (const auto& weak : it->second) {
    if (auto waker = weak.lock()) waker->cancel();
  }
  waiting_.erase(it);
}

asio::awaitable<void> KafkaServer::tick_loop(KafkaServer* self) {
  while (!self->stopped_) {
    self->tick_timer_.expires_after(self->options_.tick_interval);
    boost::system::error_code ec;
    co_await self->tick_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (self->stopped_) break;
    self->service_.tick();
  }
}

asio::awaitable<void> KafkaServer::serve(KafkaServer* self, net::TlsStream stream,
                                         std::string remote) {
  auto identity = tls::peer_identity(stream.native_handle());
  if (!identity) {
    spdlog::warn("kafka: closing connection from {}: {}", remote, identity.error().message());
    co_return;
  }
  if (!self->authorize_(identity.value())) {
    spdlog::warn("kafka: refusing {} ({}, {}): not authorized to subscribe", remote,
                 identity.value().common_name, identity.value().describe_roles());
    co_return;
  }
  const uint64_t id = self->next_subscriber_++;
  {
    SubscriberView view;
    view.name = identity.value().common_name;
    for (const auto& claim : identity.value().roles) {
      if (claim.role == tls::NodeRole::kSubscriber) view.name = claim.id;
    }
    view.remote = remote;
    std::lock_guard lock(self->subscribers_mu_);
    self->subscribers_.emplace(id, std::move(view));
  }
  Watchdog watchdog(stream);
  std::string request;
  std::string response;
  for (;;) {
    boost::system::error_code ec;
    char size_bytes[4];
    watchdog.arm(self->options_.idle_timeout);
    co_await asio::async_read(stream, asio::buffer(size_bytes),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // the peer closed, or was idle too long
    const int32_t size = WireReader(std::string_view(size_bytes, 4)).i32();
    if (size < 0 || static_cast<size_t>(size) > self->options_.max_request_bytes) {
      spdlog::warn("kafka: closing connection from {}: request of {} bytes (limit {})", remote,
                   size, self->options_.max_request_bytes);
      break;
    }
    request.resize(static_cast<size_t>(size));
    co_await asio::async_read(stream, asio::buffer(request),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    watchdog.disarm();  // a Fetch or a JoinGroup may rightly wait
    const bool answered = co_await self->answer(request, remote, response, id);
    if (!answered) break;
    watchdog.arm(self->options_.idle_timeout);
    co_await asio::async_write(stream, asio::buffer(response),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    // Keep no large buffer past its use: an idle connection should cost little.
    if (response.capacity() > (size_t{64} << 10)) std::string().swap(response);
    if (request.capacity() > (size_t{64} << 10)) std::string().swap(request);
  }
  watchdog.disarm();
  std::lock_guard lock(self->subscribers_mu_);
  self->subscribers_.erase(id);
}

asio::awaitable<bool> KafkaServer::answer(const std::string& request, const std::string& remote,
                                          std::string& response, uint64_t subscriber) {
  Reply reply = service_.handle(request, true);
  if (reply.wait.count() > 0) {
    auto waker = std::make_shared<Waker>(executor_);
    waker->expires_after(reply.wait);
    for (const std::string& topic : reply.wait_topics) {
      auto& list = waiting_[topic];
      std::erase_if(list, [](const std::weak_ptr<Waker>& w) { return w.expired(); });
      list.push_back(waker);
    }
    boost::system::error_code ec;
    co_await waker->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    reply = service_.handle(request, false);
  }
  if (reply.deferred) {
    auto waker = std::make_shared<Waker>(executor_);
    waker->expires_at(Waker::time_point::max());
    std::weak_ptr<Waker> weak = waker;
    reply.deferred->on_ready([weak] {
      if (auto w = weak.lock()) w->cancel();
    });
    if (!reply.deferred->ready()) {
      boost::system::error_code ec;
      co_await waker->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    reply.response = reply.deferred->take();
  }
  if (reply.close_reason) {
    spdlog::warn("kafka: closing connection from {}: {}", remote, *reply.close_reason);
    co_return false;
  }
  if (!reply.fetched.empty()) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    std::lock_guard lock(subscribers_mu_);
    auto& positions = subscribers_[subscriber].positions;
    for (const auto& [topic, offset] : reply.fetched) positions[topic] = {offset, now_ms};
  }
  response.clear();
  WireWriter(response).i32(static_cast<int32_t>(reply.response.size()));
  response += reply.response;
  co_return true;
}

std::vector<SubscriberView> KafkaServer::subscribers() const {
  std::lock_guard lock(subscribers_mu_);
  std::vector<SubscriberView> out;
  for (const auto& [id, view] : subscribers_) out.push_back(view);
  return out;
}

}  // namespace ferry::consumer::kafka
