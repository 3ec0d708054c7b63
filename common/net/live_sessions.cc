#include "common/net/live_sessions.h"

namespace ferry::net {

bool LiveSessions::claim(const std::string& identity, const std::shared_ptr<FrameConnection>& conn,
                         std::string& holder) {
  auto& slot = live_[identity];
  if (auto current = slot.lock(); current && current != conn && current->usable()) {
    holder = current->remote();
    return false;
  }
  slot = conn;
  return true;
}

void LiveSessions::release(const std::string& identity, const FrameConnection* conn) {
  auto it = live_.find(identity);
  if (it == live_.end()) return;
  auto current = it->second.lock();
  if (!current || current.get() == conn) live_.erase(it);
}

}  // namespace ferry::net
