#pragma once
// One ZooKeeper session through the C client (libzookeeper-mt). Calls are synchronous
// and take paths relative to the configured root ("/brokers/dc1/b1" is
// "<root>/brokers/dc1/b1" on the server); errors carry ZooKeeper's text and the path.
//
// The library runs its own I/O and completion threads. Session changes and fired
// watches reach `on_event` on the completion thread, which must only hand them on:
// calling this client from there would wait on the thread that is calling.
// A session that expired stays expired: make a new client (ephemeral nodes and watches
// of the old one are gone).

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/zk/zk_options.h"

typedef struct _zhandle zhandle_t;  // NOLINT: the C client's own name

namespace ferry::zk {

enum class SessionState { kConnecting, kConnected, kExpired };

// What identifies a session to the server (a second handle made from them can end it:
// the way tests make a session expire).
struct SessionCredentials {
  int64_t id = 0;
  std::string password;
};

struct ZkEvent {
  bool session = false;  // a session state change; otherwise a watch fired on `path`
  std::string path;      // relative to the root
};

class ZkClient {
 public:
  using EventFn = std::function<void(const ZkEvent&)>;

  // Starts a session without waiting: the library keeps trying the hosts, and the
  // session event that connects it reaches `on_event`.
  static Result<std::unique_ptr<ZkClient>> start(const ZkOptions& options, EventFn on_event);
  ~ZkClient();
  ZkClient(const ZkClient&) = delete;
  ZkClient& operator=(const ZkClient&) = delete;

  SessionState state() const { return state_.load(); }
  std::string session_id() const;  // hex, for logs
  SessionCredentials credentials() const;

  // Creates every missing node of `path` (persistent, empty).
  Result<void> ensure_path(const std::string& path);
  // An ephemeral node owned by this session. A node left at `path` by an earlier
  // session (a restart within the session timeout) is replaced.
  Result<void> create_ephemeral(const std::string& path, const std::string& data);
  // An ephemeral node that must not exist yet: false when another session holds it,
  // true when this session does (also when a lost reply hid our own create). A lock.
  Result<bool> create_exclusive(const std::string& path, const std::string& data);
  // With `watch`, the node's next creation, change or deletion fires one event for `path`.
  Result<bool> exists(const std::string& path, bool watch);
  Result<void> set(const std::string& path, const std::string& data);
  // nullopt when there is no such node.
  Result<std::optional<std::string>> get(const std::string& path);
  // With `watch`, the next change of the list fires one event for `path`.
  Result<std::vector<std::string>> children(const std::string& path, bool watch);
  Result<void> remove(const std::string& path);  // no node is not an error

  // The error for `rc` at `path`, logged with both.
  std::error_code fail(int rc, const std::string& what, const std::string& path) const;

 private:
  ZkClient(ZkOptions options, EventFn on_event);
  static void on_watch(zhandle_t* zh, int type, int state, const char* path, void* context);
  std::string full(const std::string& path) const;
  // Creates the ephemeral node; if one is there already, returns its owner session
  // (nullopt: created now).
  Result<std::optional<int64_t>> create_or_find_owner(const std::string& path,
                                                      const std::string& data);
  bool is_own_session(int64_t session) const;
  std::string relative(const char* path) const;

  ZkOptions options_;
  EventFn on_event_;
  zhandle_t* zh_ = nullptr;
  std::atomic<SessionState> state_{SessionState::kConnecting};
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace ferry::zk
