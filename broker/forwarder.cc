#include "broker/forwarder.h"

#include <spdlog/spdlog.h>

#include "common/base/crc32c.h"
#include "common/net/endpoint.h"

namespace ferry::broker {

Forwarder::Forwarder(ConsumerLinkDeps link_deps, const std::vector<std::string>& consumers)
    : link_deps_(std::move(link_deps)) {
  link_deps_.link_for = [this](std::string_view host, std::string_view category) {
    return link_for(host, category);
  };
  for (const auto& address : consumers)
    links_.push_back(std::make_unique<ConsumerLink>(link_deps_, "", address));
}

void Forwarder::set_consumers(const std::vector<zk::Member>& members) {
  std::map<std::string, std::string> wanted;  // id -> address
  for (const auto& m : members) wanted[m.id] = m.address;
  if (!from_zookeeper_) spdlog::info("forwarder: consumers from ZooKeeper from now on");
  std::vector<std::unique_ptr<ConsumerLink>> kept;
  for (auto& l : links_) {
    if (!from_zookeeper_) {
      for (const auto& [id, address] : wanted) {
        if (address == l->address()) l->adopt_id(id);
      }
    }
    auto it = wanted.find(l->id());
    if (it != wanted.end() && it->second == l->address()) {
      kept.push_back(std::move(l));
      wanted.erase(it);
    } else {
      spdlog::info("forwarder: consumer {} ({}) left", l->id().empty() ? "(static)" : l->id(),
                   l->address());
      l->stop();
      retired_.push_back(std::move(l));
    }
  }
  from_zookeeper_ = true;
  std::vector<ConsumerLink*> started;
  for (const auto& [id, address] : wanted) {
    spdlog::info("forwarder: consumer {} at {} joined", id, address);
    kept.push_back(std::make_unique<ConsumerLink>(link_deps_, id, address));
    started.push_back(kept.back().get());
  }
  links_ = std::move(kept);
  std::vector<std::string> ids;
  by_id_.clear();
  for (auto& l : links_) {
    ids.push_back(l->id());
    by_id_[l->id()] = l.get();
  }
  slots_ = zk::SlotMap(std::move(ids));
  for (auto* l : started) l->start();
  for (auto& l : links_) l->forget_moved();
}

void Forwarder::start() {
  for (auto& l : links_) l->start();
}

void Forwarder::stop() {
  for (auto& l : links_) l->stop();
}

void Forwarder::notify_stored() {
  for (auto& l : links_) l->mark_dirty();
}

const ConsumerLink* Forwarder::link_for(std::string_view host, std::string_view category) const {
  if (links_.empty()) return nullptr;
  if (from_zookeeper_) {
    auto it = by_id_.find(slots_.owner_of(host, category));
    return it == by_id_.end() ? nullptr : it->second;
  }
  if (links_.size() == 1) return links_.front().get();
  uint32_t h = crc32c::extend(crc32c::value(host), category.data(), category.size());
  return links_[h % links_.size()].get();
}

void Forwarder::forward_watermark(const wire::Watermark& w) {
  if (auto* link = const_cast<ConsumerLink*>(link_for(w.host, w.category)))
    link->queue_watermark(w);
}

void Forwarder::forward_status(const wire::Status& s, const std::string& dc) {
  for (auto& l : links_) l->queue_status(s, dc);
}

bool Forwarder::any_connected() const {
  for (const auto& l : links_) {
    if (l->connected()) return true;
  }
  return false;
}

void Forwarder::export_gauges(metrics::Registry& metrics) const {
  auto& up = metrics.gauge_family("ferry_broker_consumer_connected",
                                  "1 while the link to this consumer is up", {"consumer"});
  for (const auto& l : retired_) up.set({l->address()}, 0);
  for (const auto& l : links_) up.set({l->address()}, l->connected() ? 1 : 0);
  uint64_t resent = 0;
  for (const auto& l : links_) resent += l->resent_after_reconnect();
  // The only resends there are: a batch goes again only on a new connection.
  metrics
      .gauge_family("ferry_broker_resent_batches_total",
                    "Batches sent to a consumer again, by cause", {"cause"})
      .set({"reconnect"}, static_cast<double>(resent));
}

void Forwarder::on_agent_connected(const std::string& host) {
  for (auto& l : links_) l->host_replays().on_agent_connected(host);
}

void Forwarder::on_agent_replay_progress(const std::string& host, const wire::ReplayProgress& p) {
  for (auto& l : links_) {
    if (l->host_replays().knows(p.replay_id)) l->host_replays().on_agent_progress(host, p);
  }
}

bool Forwarder::relay_replayed_batch(uint64_t replay_id, const std::string& frame) {
  for (auto& l : links_) {
    if (!l->host_replays().knows(replay_id)) continue;
    l->send_replayed(frame);
    return true;
  }
  return false;
}

nlohmann::json Forwarder::replays_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : links_) {
    for (auto j : l->replays().to_json()) {
      j["consumer"] = l->address();
      out.push_back(std::move(j));
    }
    for (auto j : l->host_replays().to_json()) {
      j["consumer"] = l->address();
      out.push_back(std::move(j));
    }
  }
  return out;
}

nlohmann::json Forwarder::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : links_) {
    out.push_back({{"consumer", l->address()},
                   {"id", l->id()},
                   {"connected", l->connected()},
                   {"inflight_batches", l->inflight_batches()},
                   {"inflight_bytes", l->inflight_bytes()},
                   {"forwarded_batches", l->forwarded_batches()},
                   {"committed_batches", l->committed_batches()}});
  }
  return out;
}

}  // namespace ferry::broker
