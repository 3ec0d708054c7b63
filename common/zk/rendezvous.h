#pragma once
// Rendezvous (highest random weight) hashing: every process that knows the same members
// ranks them the same way for a key, and a member joining or leaving moves only the
// keys it wins or held. Agents rank their DC's brokers by host name, so a host sticks
// to one broker while that broker lives.

#include <string>
#include <string_view>
#include <vector>

namespace ferry::zk {

// `ids` ranked best first for `key`.
std::vector<std::string> rendezvous_rank(std::string_view key, std::vector<std::string> ids);

}  // namespace ferry::zk
