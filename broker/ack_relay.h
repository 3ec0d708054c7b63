#pragma once
// Which agent connections are open, by host, so that DELIVERED acks reach the agent
// that sent the batch (or its newer connection after a reconnect). Runs on the
// broker's io thread only.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/net/frame_connection.h"
#include "common/wire/messages.h"

namespace ferry::broker {

class AckRelay {
 public:
  void attach(const std::string& host, const std::shared_ptr<net::FrameConnection>& conn);
  void detach(const std::string& host, const net::FrameConnection* conn);

  // Sends DELIVERED for `ranges` to every open connection of each range's host. A host
  // with no connection learns it when it resends (the store answers DELIVERED).
  void relay_delivered(const std::vector<wire::AckRange>& ranges);
  size_t connected_hosts() const { return conns_.size(); }
  // Replay from hosts: a frame to every open connection of `host` (false: none is open),
  // and the hosts connected now.
  bool send_to(const std::string& host, const std::string& frame);
  std::vector<std::string> hosts() const;

 private:
  std::map<std::string, std::vector<std::weak_ptr<net::FrameConnection>>> conns_;
};

}  // namespace ferry::broker
