#pragma once
// One live session per identity: a second connection claiming an identity that already
// has a live one is refused, instead of both being served (two writers of one stream, or
// a stolen key riding beside the real peer). A connection that died without a goodbye
// stops counting once it is closed, at the latest by the listener's idle timeout.
//
// Single-threaded (the io thread that runs the sessions).

#include <map>
#include <memory>
#include <string>

#include "common/net/frame_connection.h"

namespace ferry::net {

class LiveSessions {
 public:
  // Takes `identity` for `conn`; false, with the live holder's address in `holder`, if
  // another usable connection has it.
  bool claim(const std::string& identity, const std::shared_ptr<FrameConnection>& conn,
             std::string& holder);
  // Gives `identity` up if `conn` holds it.
  void release(const std::string& identity, const FrameConnection* conn);

 private:
  std::map<std::string, std::weak_ptr<FrameConnection>> live_;
};

}  // namespace ferry::net
