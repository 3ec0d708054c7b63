#pragma once
// The batch that takes a refused batch's place in its stream (DESIGN §2.6): same host,
// category and seq, one line "[ferry:quarantined] <reason>". Streams stay dense, so
// watermarks and hour completeness go on past a refused batch, and the output shows
// where something was kept back (as the agent's "[ferry:lost]" markers do) instead of
// silently lacking it. The original is in the refusing node's quarantine.

#include <string_view>

#include "common/base/clock.h"
#include "common/wire/messages.h"

namespace ferry::batch {

inline constexpr std::string_view kQuarantinedMarker = "[ferry:quarantined] ";

// `refused`'s header must name a valid stream (host, category, seq >= 1). Its event
// times are kept when they are valid for a batch, otherwise `now` is used.
wire::BatchFrame quarantine_marker(const BatchHeader& refused, std::string_view reason, TimeMs now);

}  // namespace ferry::batch
