#include "common/zk/zk_client.h"

#include <zookeeper/zookeeper.h>

#include <spdlog/spdlog.h>

#include "common/zk/errc.h"

namespace ferry::zk {

namespace {

// The library logs connection trouble to stderr by itself; ours says it once, with
// context, so its lines go to the debug log.
void library_log(const char* message) { spdlog::debug("zookeeper client: {}", message); }

constexpr int kMaxNodeData = 64 << 10;  // member records are a few hundred bytes

}  // namespace

ZkClient::ZkClient(ZkOptions options, EventFn on_event)
    : options_(std::move(options)), on_event_(std::move(on_event)) {
  while (options_.root.size() > 1 && options_.root.back() == '/') options_.root.pop_back();
  if (options_.root == "/") options_.root.clear();
}

Result<std::unique_ptr<ZkClient>> ZkClient::start(const ZkOptions& options, EventFn on_event) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  std::unique_ptr<ZkClient> client(new ZkClient(options, std::move(on_event)));
  client->zh_ = zookeeper_init2(options.hosts.c_str(), &ZkClient::on_watch,
                                static_cast<int>(options.session_timeout.count()), nullptr,
                                client.get(), 0, &library_log);
  if (client->zh_ == nullptr) {
    auto ec = std::error_code(errno, std::generic_category());
    spdlog::warn("zookeeper {}: cannot start a session: {}", options.hosts, ec.message());
    return ec;
  }
  return client;
}

ZkClient::~ZkClient() {
  // Closing ends the session at once: our ephemeral nodes go now, not at expiry.
  if (zh_ != nullptr) zookeeper_close(zh_);
}

void ZkClient::on_watch(zhandle_t*, int type, int state, const char* path, void* context) {
  auto* self = static_cast<ZkClient*>(context);
  ZkEvent event;
  if (type == ZOO_SESSION_EVENT) {
    event.session = true;
    SessionState s = state == ZOO_CONNECTED_STATE         ? SessionState::kConnected
                     : state == ZOO_EXPIRED_SESSION_STATE ? SessionState::kExpired
                     : state == ZOO_AUTH_FAILED_STATE     ? SessionState::kExpired
                                                          : SessionState::kConnecting;
    {
      std::lock_guard lock(self->mutex_);
      self->state_.store(s);
    }
    self->changed_.notify_all();
  } else {
    event.path = self->relative(path);
  }
  if (self->on_event_) self->on_event_(event);
}

std::string ZkClient::session_id() const {
  const clientid_t* id = zoo_client_id(zh_);
  return fmt::format("{:#x}", id != nullptr ? id->client_id : 0);
}

SessionCredentials ZkClient::credentials() const {
  const clientid_t* id = zoo_client_id(zh_);
  if (id == nullptr) return {};
  return {id->client_id, std::string(id->passwd, sizeof(id->passwd))};
}

std::string ZkClient::full(const std::string& path) const { return options_.root + path; }

std::string ZkClient::relative(const char* path) const {
  std::string p = path != nullptr ? path : "";
  if (!options_.root.empty() && p.rfind(options_.root, 0) == 0) p.erase(0, options_.root.size());
  return p;
}

std::error_code ZkClient::fail(int rc, const std::string& what, const std::string& path) const {
  spdlog::debug("zookeeper {} {}: {}", what, full(path), zerror(rc));
  return zk_error(rc);
}

Result<void> ZkClient::ensure_path(const std::string& path) {
  const std::string target = full(path);
  for (size_t slash = target.find('/', 1);; slash = target.find('/', slash + 1)) {
    const std::string prefix = target.substr(0, slash);
    int rc = zoo_create(zh_, prefix.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT,
                        nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) return fail(rc, "create", relative(prefix.c_str()));
    if (slash == std::string::npos) return success();
  }
}

Result<std::optional<int64_t>> ZkClient::create_or_find_owner(const std::string& path,
                                                              const std::string& data) {
  const std::string target = full(path);
  for (int attempt = 0; attempt < 2; ++attempt) {
    int rc = zoo_create(zh_, target.c_str(), data.data(), static_cast<int>(data.size()),
                        &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, nullptr, 0);
    if (rc == ZOK) return std::optional<int64_t>();
    if (rc != ZNODEEXISTS) return fail(rc, "create", path);
    struct Stat stat {};
    rc = zoo_exists(zh_, target.c_str(), 0, &stat);
    if (rc == ZNONODE) continue;  // it went while we looked
    if (rc != ZOK) return fail(rc, "stat", path);
    return std::optional<int64_t>(stat.ephemeralOwner);
  }
  return fail(ZNODEEXISTS, "create", path);
}

bool ZkClient::is_own_session(int64_t session) const {
  const clientid_t* self = zoo_client_id(zh_);
  return self != nullptr && session == self->client_id;
}

Result<void> ZkClient::create_ephemeral(const std::string& path, const std::string& data) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    BOOST_OUTCOME_TRY(owner, create_or_find_owner(path, data));
    if (!owner) return success();
    if (is_own_session(*owner)) return set(path, data);
    spdlog::info("zookeeper: replacing {} left by session {:#x}", full(path), *owner);
    int rc = zoo_delete(zh_, full(path).c_str(), -1);
    if (rc != ZOK && rc != ZNONODE) return fail(rc, "delete", path);
  }
  return fail(ZNODEEXISTS, "create", path);
}

Result<bool> ZkClient::create_exclusive(const std::string& path, const std::string& data) {
  BOOST_OUTCOME_TRY(owner, create_or_find_owner(path, data));
  // Held by our own session: an earlier create whose reply the connection lost (the
  // server applied it). Taken for another's, the lock would wait forever for us to let go.
  return !owner || is_own_session(*owner);
}

Result<bool> ZkClient::exists(const std::string& path, bool watch) {
  struct Stat stat {};
  int rc = zoo_exists(zh_, full(path).c_str(), watch ? 1 : 0, &stat);
  if (rc == ZNONODE) return false;
  if (rc != ZOK) return fail(rc, "stat", path);
  return true;
}

Result<void> ZkClient::set(const std::string& path, const std::string& data) {
  int rc = zoo_set(zh_, full(path).c_str(), data.data(), static_cast<int>(data.size()), -1);
  if (rc != ZOK) return fail(rc, "set", path);
  return success();
}

Result<std::optional<std::string>> ZkClient::get(const std::string& path) {
  std::string buffer(kMaxNodeData, '\0');
  int len = static_cast<int>(buffer.size());
  struct Stat stat {};
  int rc = zoo_get(zh_, full(path).c_str(), 0, buffer.data(), &len, &stat);
  if (rc == ZNONODE) return std::optional<std::string>();
  if (rc != ZOK) return fail(rc, "get", path);
  buffer.resize(len < 0 ? 0 : static_cast<size_t>(len));
  return std::optional<std::string>(std::move(buffer));
}

Result<std::vector<std::string>> ZkClient::children(const std::string& path, bool watch) {
  struct String_vector names {};
  int rc = zoo_get_children(zh_, full(path).c_str(), watch ? 1 : 0, &names);
  if (rc != ZOK) return fail(rc, "list", path);
  std::vector<std::string> out(names.data, names.data + names.count);
  deallocate_String_vector(&names);
  return out;
}

Result<void> ZkClient::remove(const std::string& path) {
  int rc = zoo_delete(zh_, full(path).c_str(), -1);
  if (rc != ZOK && rc != ZNONODE) return fail(rc, "delete", path);
  return success();
}

}  // namespace ferry::zk
