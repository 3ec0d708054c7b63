// ConsumerApp's HTTP API: dashboard, /api/*, /metrics collectors, forgetting a host.
#include "consumer/consumer_app.h"

#include <spdlog/spdlog.h>

#include "common/dashboard/dashboard.h"
#include "common/net/socket_tuning.h"

namespace ferry::consumer {

void ConsumerApp::setup_http() {
  http_ = std::make_unique<http::HttpServer>(io_, config_.http, &metrics_);
  http_->routes().get("/api/hosts", [this](const http::Request&) {
    return http::Response::json(hosts_.json_text(now_ms()));
  });
  dashboard::add_dashboard_routes(http_->routes(), config_.node_id + " (all DCs)");
  http_->routes().get("/api/summary", [this](const http::Request&) {
    nlohmann::json j = {{"node_id", config_.node_id},
                        {"now_ms", now_ms()},
                        {"output_root", config_.output_root},
                        {"received_batches", received_batches_},
                        {"committed_batches", committed_batches_},
                        {"duplicate_batches", duplicate_batches_},
                        {"awaiting_commit", waiters_.size()},
                        {"quarantined_batches", quarantine_->batches()},
                        {"slots_owned", slots_ ? static_cast<int64_t>(slots_->owned_count()) : -1},
                        {"quarantine_dir", quarantine_->dir()},
                        {"replays_running", replays_->running()},
                        {"congestion_refused", net::refused_congestion_controls()},
                        {"dcs", dc_totals_.to_json(hosts_.snapshot(now_ms()), now_ms())}};
    return http::Response::json(j.dump());
  });
  // Shown from the start, at 0: a resend that never happened is worth seeing as such.
  metrics_.counter("ferry_consumer_duplicate_batches_total",
                   "Batches received again after their commit");
  metrics_.on_collect([this] {
    net::export_socket_gauges(metrics_);
    metrics_
        .gauge("ferry_consumer_quarantined_batches",
               "Batches refused for good and kept in the quarantine")
        .set(static_cast<double>(quarantine_->batches()));
    status::export_host_gauges(hosts_, metrics_, now_ms());
    dc_totals_.export_gauges(hosts_.snapshot(now_ms()), metrics_, now_ms());
    if (membership_) {
      metrics_
          .gauge("ferry_consumer_zookeeper_registered",
                 "1 while this consumer's node is registered in ZooKeeper")
          .set(membership_->registered() ? 1 : 0);
      metrics_.gauge("ferry_consumer_slots_owned", "Stream slots this consumer writes (of 256)")
          .set(static_cast<double>(slots_->owned_count()));
      metrics_
          .gauge("ferry_consumer_not_owned_batches",
                 "Batches whose slot stayed another consumer's: their broker link was closed for a "
                 "resend")
          .set(static_cast<double>(not_owned_batches_.load()));
    }
  });
  if (live_log_) setup_live_http();
  http_->routes().get("/api/hours", [this](const http::Request&) {
    std::lock_guard lock(hours_mu_);
    return http::Response::json(hours_json_.dump());
  });
  http_->routes().get("/api/replays", [this](const http::Request&) {
    return http::Response::json(replays_->list_json().dump());
  });
  http_->routes().get_prefix("/api/replays/", [this](const http::Request& req) {
    uint64_t id = 0;
    try {
      id = std::stoull(req.path.substr(std::string("/api/replays/").size()));
    } catch (...) {}
    auto j = replays_->detail_json(id);
    if (j.is_null()) return http::Response::text("no such replay\n", 404);
    return http::Response::json(j.dump());
  });
  http_->routes().post_async("/api/replays",
                             [this](http::Request req) { return replays_->start(std::move(req)); });
  http_->routes().post_async("/api/replays/cancel", [this](http::Request req) {
    return replays_->cancel(std::move(req));
  });
  http_->routes().post_async("/api/hosts/forget",
                             [this](http::Request req) { return forget_host(std::move(req)); });
  auto started = http_->start();
  if (!started)
    throw std::runtime_error("cannot serve http on " + config_.http_listen + ": " +
                             started.error().message());
}

asio::awaitable<std::error_code> ConsumerApp::forget_host_on_worker(std::string host) {
  auto r = tracker_->forget_host(host);
  co_return r ? std::error_code() : r.error();
}

asio::awaitable<http::Response> ConsumerApp::forget_host(http::Request req) {
  auto host = req.query_param("host");
  if (!host || !batch::valid_name(*host))
    co_return http::Response::text("missing or invalid ?host=\n", 400);
  std::error_code ec =
      co_await asio::co_spawn(worker_, forget_host_on_worker(*host), asio::use_awaitable);
  if (ec) co_return http::Response::text("forget failed: " + ec.message() + "\n", 500);
  hosts_.forget(*host);
  spdlog::info("operator declared host {} gone", *host);
  co_return http::Response::text("forgot " + *host + "\n");
}

}  // namespace ferry::consumer
