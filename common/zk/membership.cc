#include "common/zk/membership.h"

#include <optional>

#include <spdlog/spdlog.h>

#include "common/zk/zk_client.h"

namespace ferry::zk {

namespace {
constexpr auto kRecheck = std::chrono::seconds(1);  // also paces retries while ZK is away
}

Membership::Membership(MembershipOptions options, MembersFn on_members)
    : options_(std::move(options)), on_members_(std::move(on_members)) {}

std::unique_ptr<Membership> Membership::registration(ZkOptions zk, std::string path, Member self) {
  MembershipOptions o;
  o.zk = std::move(zk);
  o.self_path = std::move(path);
  o.self = std::move(self);
  return std::make_unique<Membership>(std::move(o), [](std::vector<Member>) {});
}

Membership::~Membership() { stop(); }

void Membership::start() {
  thread_ = std::thread([this] { run(); });
}

void Membership::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(client_mutex_);
  client_.reset();
  connected_ = false;
  registered_ = false;
}

void Membership::update_self(Member self) {
  {
    std::lock_guard lock(mutex_);
    options_.self = std::move(self);
    dirty_self_ = true;
  }
  cv_.notify_all();
}

SessionCredentials Membership::credentials() {
  std::lock_guard lock(client_mutex_);
  return client_ ? client_->credentials() : SessionCredentials{};
}

void Membership::wake() { cv_.notify_all(); }

void Membership::poke() {
  {
    std::lock_guard lock(mutex_);
    dirty_pass_ = true;
  }
  wake();
}

void Membership::run() {
  std::optional<bool> was_up;
  const auto began = std::chrono::steady_clock::now();
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (stop_) return;
    }
    bool up = sync_once();
    // A session takes a moment to connect: "unreachable" only after a grace period.
    const bool starting = !was_up && !up && std::chrono::steady_clock::now() - began < 2 * kRecheck;
    if (up != was_up && !starting) {  // said once per change, and once at start
      if (up) {
        spdlog::info("zookeeper {}: session {} up", options_.zk.hosts, client_->session_id());
      } else {
        spdlog::warn("zookeeper {}: unreachable; membership frozen, retrying every {}s",
                     options_.zk.hosts, kRecheck.count());
      }
      was_up = up;
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kRecheck,
                 [&] { return stop_ || dirty_self_ || dirty_list_ || dirty_pass_; });
    dirty_pass_ = false;
  }
}

bool Membership::sync_once() {
  if (expired_for_good_) return false;
  if (client_ && client_->state() == SessionState::kExpired) {
    registered_ = false;
    if (!options_.register_after_expiry) {
      spdlog::error("zookeeper: session {} expired; not registering again", client_->session_id());
      expired_for_good_ = true;
      if (options_.on_expired) options_.on_expired();
      return false;
    }
    spdlog::warn("zookeeper: session {} expired; starting a new one", client_->session_id());
    std::lock_guard lock(client_mutex_);
    client_.reset();
  }
  if (!client_) {
    registered_ = false;
    // Not waiting for the connection: stop() must never wait on a ZooKeeper that is away.
    auto c = ZkClient::start(options_.zk, [this](const ZkEvent& e) {
      {
        std::lock_guard lock(mutex_);
        // A reconnect may have missed a change; a fired watch is one.
        if (e.session || e.path == options_.watch_path) {
          dirty_list_ = true;
        } else {
          dirty_pass_ = true;  // a watch set by on_pass
        }
      }
      wake();
    });
    if (!c) return false;
    {
      std::lock_guard lock(client_mutex_);
      client_ = std::move(c).value();
    }
    ++sessions_;
    std::lock_guard lock(mutex_);
    dirty_self_ = dirty_list_ = true;
  }
  connected_ = client_->state() == SessionState::kConnected;
  if (!connected_) return false;

  Member self;
  bool need_self, need_list;
  {
    std::lock_guard lock(mutex_);
    self = options_.self;
    need_self = dirty_self_;
    need_list = dirty_list_;
    dirty_self_ = dirty_list_ = false;
  }
  auto redo = [&](bool& flag) {
    std::lock_guard lock(mutex_);
    flag = true;
  };
  if (need_self && !options_.self_path.empty()) {
    const auto parent = options_.self_path.substr(0, options_.self_path.rfind('/'));
    auto made = client_->ensure_path(parent);
    if (made) made = client_->create_ephemeral(options_.self_path, encode_member(self));
    if (!made) {
      spdlog::warn("zookeeper: cannot register {}: {}", options_.self_path, made.error().message());
      redo(dirty_self_);
      return false;
    }
    if (!registered_.exchange(true)) spdlog::info("zookeeper: registered {}", options_.self_path);
  }
  if (need_list && !options_.watch_path.empty()) {
    auto made = client_->ensure_path(options_.watch_path);
    auto names = made ? client_->children(options_.watch_path, /*watch=*/true)
                      : Result<std::vector<std::string>>(made.error());
    if (!names) {
      spdlog::warn("zookeeper: cannot list {}: {}", options_.watch_path, names.error().message());
      redo(dirty_list_);
      return false;
    }
    std::vector<Member> members;
    for (const auto& name : names.value()) {
      auto data = client_->get(options_.watch_path + "/" + name);
      if (!data) {
        redo(dirty_list_);
        return false;
      }
      if (!data.value()) continue;  // gone since the listing; the watch reports it
      if (auto m = decode_member(*data.value())) {
        members.push_back(std::move(*m));
      } else {
        spdlog::warn("zookeeper: {}/{} is not a member record; ignored", options_.watch_path, name);
      }
    }
    on_members_(std::move(members));
  }
  if (options_.on_pass && !options_.on_pass(*client_)) return false;
  return true;
}

}  // namespace ferry::zk
