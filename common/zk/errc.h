#pragma once
// ZooKeeper's own return codes (ZNONODE, ZCONNECTIONLOSS, ...) as std::error_code, so
// a failure reads with the client library's text ("no node", "connection loss").

#include <system_error>

namespace ferry::zk {

const std::error_category& zk_category();

inline std::error_code zk_error(int rc) { return {rc, zk_category()}; }

}  // namespace ferry::zk
