#pragma once
// Forwards stored batches to the consumer tier and turns COMMITTED into DELIVERED, over
// one ConsumerLink (consumer_link.h) per consumer.
//
// Static addresses: a stream (host, category) always goes to the same consumer (a stable
// hash over the configured list). With ZooKeeper: the links follow the live consumers in
// /consumers and a stream goes to the owner of its slot (common/zk/slot_map.h), the
// consumer that claims it; when the list changes, a link forgets what it sent of streams
// that moved away (their new owner gets them from the store, and acks what the old one
// committed).
//
// Runs on the broker's io thread.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/consumer_link.h"
#include "common/metrics/registry.h"
#include "common/zk/member.h"
#include "common/zk/slot_map.h"

namespace ferry::broker {

class Forwarder {
 public:
  // `link_deps`: what each link gets (its routing is this forwarder's link_for);
  // `consumers`: the static host:port list, standing until set_consumers.
  Forwarder(ConsumerLinkDeps link_deps, const std::vector<std::string>& consumers);
  Forwarder(const Forwarder&) = delete;  // the links route through `this`
  Forwarder& operator=(const Forwarder&) = delete;

  void start();
  void stop();
  void notify_stored();
  void forward_watermark(const wire::Watermark& w);
  void forward_status(const wire::Status& s, const std::string& dc);

  // The link of the consumer that owns a stream (null: none): stable while the consumer
  // list is unchanged.
  const ConsumerLink* link_for(std::string_view host, std::string_view category) const;
  // The live consumers listed in ZooKeeper (io thread). The static list stands until
  // the first call.
  void set_consumers(const std::vector<zk::Member>& members);
  nlohmann::json to_json() const;
  // ferry_broker_consumer_connected{consumer=...}: an operator sees a consumer outage at
  // once, not after the lag threshold.
  void export_gauges(metrics::Registry& metrics) const;
  bool any_connected() const;
  nlohmann::json replays_json() const;
  // Replay from hosts: agent frames to the link whose consumer asked for the replay.
  void on_agent_connected(const std::string& host);
  void on_agent_replay_progress(const std::string& host, const wire::ReplayProgress& p);
  // False if no link knows the replay.
  bool relay_replayed_batch(uint64_t replay_id, const std::string& frame);

 private:
  ConsumerLinkDeps link_deps_;
  std::vector<std::unique_ptr<ConsumerLink>> links_;
  // Links of consumers that left: stopped, kept until the forwarder goes (their
  // coroutines may still hold them).
  std::vector<std::unique_ptr<ConsumerLink>> retired_;
  bool from_zookeeper_ = false;
  zk::SlotMap slots_;
  std::map<std::string, ConsumerLink*, std::less<>> by_id_;
};

}  // namespace ferry::broker
