// The consumer's live subscription (docs/subscribe.md): the live log the worker feeds and
// the Kafka listener subscribers read it through, on a thread of its own so that no
// subscriber ever holds the io thread or the worker.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/net/endpoint.h"
#include "consumer/consumer_app.h"

namespace ferry::consumer {
namespace {

// A ferry://subscriber/<name> certificate, and the name allowed if a list is configured.
bool subscriber_allowed(const tls::PeerIdentity& peer, const std::vector<std::string>& allowed) {
  return std::any_of(peer.roles.begin(), peer.roles.end(), [&](const tls::RoleClaim& claim) {
    return claim.role == tls::NodeRole::kSubscriber &&
           (allowed.empty() ||
            std::find(allowed.begin(), allowed.end(), claim.id) != allowed.end());
  });
}

}  // namespace

void ConsumerApp::open_live_log() {
  std::string why;
  auto log = live::LiveLog::open(config_.subscribe.log, why);
  if (!log) {
    throw std::runtime_error("cannot open the live log at " + config_.subscribe.log.path + ": " +
                             why +
                             ". Nothing was deleted; to start without it, remove [subscribe] "
                             "listen, or move the directory aside (subscribers then start over).");
  }
  live_log_ = std::move(log).value();
  // The worker appends; waiting fetches learn of it at once (the server only posts).
  live_feed_ = std::make_unique<live::LiveFeed>(*live_log_, [this](const std::string& topic) {
    if (kafka_server_) kafka_server_->notify_appended(topic);
  });
  spdlog::info("live log: {} categories in {}", live_log_->topics().size(),
               config_.subscribe.log.path);
}

void ConsumerApp::start_kafka_listener() {
  const auto listen = net::parse_host_port(config_.subscribe.listen);
  const auto advertise = net::parse_host_port(config_.subscribe.advertise);
  kafka::KafkaServiceOptions service_options;
  service_options.advertised_host = advertise->host;
  service_options.advertised_port = advertise->port;
  kafka_service_ =
      std::make_unique<kafka::KafkaService>(*live_log_, *live_log_, clock_, service_options);
  kafka::KafkaServerOptions options;
  options.idle_timeout = config_.subscribe.idle_timeout;
  options.limits.max_connections = config_.subscribe.max_connections;
  options.limits.max_connections_per_address = config_.subscribe.max_connections;
  kafka_server_ = std::make_unique<kafka::KafkaServer>(
      kafka_io_.get_executor(), tls_server_, *kafka_service_,
      [allowed = config_.subscribe.allowed_subscribers](const tls::PeerIdentity& peer) {
        return subscriber_allowed(peer, allowed);
      },
      options);
  if (auto ec = kafka_server_->listen(listen->host, listen->port)) {
    throw std::runtime_error("[subscribe] cannot listen on " + config_.subscribe.listen + ": " +
                             ec.message());
  }
  kafka_server_->start();
  kafka_thread_ = std::thread([this] { kafka_io_.run(); });
  spdlog::info("serving live subscriptions (Kafka protocol) on {}:{}, advertised as {}",
               listen->host, kafka_server_->port(), config_.subscribe.advertise);
}

void ConsumerApp::stop_kafka_listener() {
  if (!kafka_server_) return;
  kafka_work_.reset();
  kafka_io_.stop();
  if (kafka_thread_.joinable()) kafka_thread_.join();
  // No thread runs the listener's executor any more, so closing it here races nothing
  // (a close posted before stop() might never have run).
  kafka_server_->stop_accepting();
}

nlohmann::json ConsumerApp::live_json() const {
  nlohmann::json categories = nlohmann::json::array(), groups = nlohmann::json::array();
  const auto stats = live_log_->stats();
  for (const auto& [name, st] : stats) {
    categories.push_back({{"category", name},
                          {"log_start", st.offsets.log_start},
                          {"high_watermark", st.offsets.high_watermark},
                          {"bytes", st.bytes}});
  }
  for (const auto& c : live_log_->group_commits()) {
    auto it = stats.find(c.topic);
    const int64_t hwm = it == stats.end() ? 0 : it->second.offsets.high_watermark;
    groups.push_back({{"group", c.group},
                      {"category", c.topic},
                      {"partition", c.partition},
                      {"committed", c.offset},
                      {"lag", std::max<int64_t>(0, hwm - c.offset)}});
  }
  nlohmann::json subscribers = nlohmann::json::array();
  for (const auto& view :
       kafka_server_ ? kafka_server_->subscribers() : std::vector<kafka::SubscriberView>{}) {
    nlohmann::json topics = nlohmann::json::array();
    for (const auto& [topic, at] : view.positions) {
      auto it = stats.find(topic);
      const int64_t hwm = it == stats.end() ? 0 : it->second.offsets.high_watermark;
      topics.push_back({{"category", topic},
                        {"position", at.offset},
                        {"lag", std::max<int64_t>(0, hwm - at.offset)},
                        {"last_fetch_ms", at.last_fetch_ms}});
    }
    subscribers.push_back(
        {{"subscriber", view.name}, {"address", view.remote}, {"topics", topics}});
  }
  return {{"listen", config_.subscribe.listen}, {"advertise", config_.subscribe.advertise},
          {"failed", live_feed_->failed()},     {"appended_lines", live_feed_->appended_lines()},
          {"categories", categories},           {"groups", groups},
          {"subscribers", subscribers}};
}

void ConsumerApp::setup_live_http() {
  http_->routes().get("/api/subscribers", [this](const http::Request&) {
    return http::Response::json(live_json().dump());
  });
  metrics_.on_collect([this] {
    const nlohmann::json j = live_json();
    metrics_
        .gauge("ferry_consumer_live_log_failed", "1 once the live log failed (docs/subscribe.md)")
        .set(j["failed"].get<bool>() ? 1 : 0);
    auto& hwm =
        metrics_.gauge_family("ferry_consumer_live_high_watermark",
                              "The offset the next line of the category gets", {"category"});
    auto& start = metrics_.gauge_family("ferry_consumer_live_log_start_offset",
                                        "The first offset still retained", {"category"});
    auto& bytes = metrics_.gauge_family("ferry_consumer_live_bytes",
                                        "Bytes of record batches retained", {"category"});
    for (const auto& c : j["categories"]) {
      const std::string name = c["category"];
      hwm.with({name}).set(c["high_watermark"].get<double>());
      start.with({name}).set(c["log_start"].get<double>());
      bytes.with({name}).set(c["bytes"].get<double>());
    }
    auto& lag = metrics_.gauge_family("ferry_consumer_subscriber_group_lag",
                                      "High watermark minus the group's committed offset",
                                      {"group", "category"});
    for (const auto& g : j["groups"]) {
      lag.with({g["group"].get<std::string>(), g["category"].get<std::string>()})
          .set(g["lag"].get<double>());
    }
    metrics_.gauge("ferry_consumer_subscribers", "Connected Kafka clients")
        .set(static_cast<double>(j["subscribers"].size()));
    // Per subscriber name and category, the worst of its connections; series of
    // subscribers that left go.
    std::map<metrics::LabelValues, double> worst;
    for (const auto& s : j["subscribers"]) {
      for (const auto& t : s["topics"]) {
        double& w = worst[{s["subscriber"].get<std::string>(), t["category"].get<std::string>()}];
        w = std::max(w, t["lag"].get<double>());
      }
    }
    auto& subscriber_lag =
        metrics_.gauge_family("ferry_consumer_subscriber_lag",
                              "High watermark minus the offset a connected subscriber last fetched",
                              {"subscriber", "category"});
    for (const auto& labels : subscriber_lag_series_) {
      if (!worst.count(labels)) subscriber_lag.remove(labels);
    }
    subscriber_lag_series_.clear();
    for (const auto& [labels, value] : worst) {
      subscriber_lag.with(labels).set(value);
      subscriber_lag_series_.push_back(labels);
    }
  });
}

}  // namespace ferry::consumer
