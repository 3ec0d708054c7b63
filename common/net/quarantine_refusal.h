#pragma once
// Refusing one batch for good without dropping its connection (DESIGN §2.6): keep it in
// the quarantine (a synced write, so on a thread that may block), then, back on the
// connection's thread, hand its marker (batch/quarantine_marker.h) to the caller, which
// stores or writes it in the refused batch's place and answers the sender. Nothing is
// answered before the batch is durable; if it cannot be kept, the connection fails
// instead and the sender resends later.

#include <functional>
#include <memory>
#include <string>

#include "common/net/asio.h"
#include "common/net/frame_connection.h"
#include "common/storage/quarantine.h"
#include "common/wire/messages.h"

namespace ferry::net {

struct QuarantineRefusal {
  storage::Quarantine& quarantine;
  asio::any_io_executor blocking;  // runs the quarantine write
  asio::any_io_executor io;        // the connection's thread
  std::string node_id;             // prefixes the kept reason
  // On `io`, once the batch is kept: the marker that takes its place, and the REFUSED
  // that names it; called whether or not the connection is still open.
  std::function<void(wire::BatchFrame marker, const wire::Refusal& refusal)> on_kept;
};

void quarantine_then_refuse(const QuarantineRefusal& how, std::weak_ptr<FrameConnection> conn,
                            wire::BatchFrame batch, wire::Errc code, std::string why, TimeMs now);

}  // namespace ferry::net
