#pragma once
// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram to the
// socket in $NOTIFY_SOCKET. The units are Type=notify: the daemons say READY=1 once they
// listen and have recovered their store, STOPPING=1 when a drain begins, and RELOADING=1
// before restarting in place (restart_in_place.h: the new image says READY=1). Without
// $NOTIFY_SOCKET (not under systemd) nothing is sent.

#include <string_view>

namespace ferry::app {

// Sends `state` ("READY=1", "STOPPING=1", "STATUS=..."); false if $NOTIFY_SOCKET is unset
// or the datagram could not be sent (never fatal: the service manager then times out).
bool notify_service(std::string_view state);

}  // namespace ferry::app
