#pragma once
// A process's place in ZooKeeper, kept on a thread of its own: its ephemeral member
// node stays registered (re-created after a session expiry), and the members under a
// watched path are reported whenever they change.
//
// While ZooKeeper is unreachable the last reported list stands (membership freezes;
// delivery between live processes goes on). The list is reported on the membership
// thread: the callback posts it to its owner's executor and returns.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/zk/member.h"
#include "common/zk/zk_client.h"
#include "common/zk/zk_options.h"

namespace ferry::zk {

struct MembershipOptions {
  ZkOptions zk;
  std::string self_path;  // e.g. "/brokers/dc1/b1"; empty: only watch
  Member self;
  std::string watch_path;  // e.g. "/brokers/dc1"; empty: only register
  // Runs on the membership thread at the end of every pass with a connected session
  // (at least once a second, and at once after poke() or a fired watch of its own):
  // more work on the same session, e.g. a consumer's slot locks. False: try again soon.
  std::function<bool(ZkClient&)> on_pass;
  // A process whose session expired normally starts a new one and registers again. One
  // that must not (a consumer: another may have fenced it meanwhile) sets this false and
  // hears of the expiry in on_expired, once, on the membership thread.
  bool register_after_expiry = true;
  std::function<void()> on_expired;
};

class Membership {
 public:
  using MembersFn = std::function<void(std::vector<Member>)>;

  Membership(MembershipOptions options, MembersFn on_members);
  // Registers `self` at `path` and watches nothing (brokers, consumers).
  static std::unique_ptr<Membership> registration(ZkOptions zk, std::string path, Member self);
  ~Membership();  // stop()
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  void start();
  // Ends the session: our node disappears at once.
  void stop();
  // Asks for a pass soon (on_pass has work).
  void poke();
  // Rewrites our node's record (e.g. its load); rare.
  void update_self(Member self);

  bool connected() const { return connected_.load(); }
  bool registered() const { return registered_.load(); }
  uint64_t sessions() const { return sessions_.load(); }  // sessions started, for tests
  // The current session's credentials (empty id when there is none).
  SessionCredentials credentials();

 private:
  void run();
  // One pass: (re)connect, register, list. Returns false while ZooKeeper is away.
  bool sync_once();
  void wake();

  MembershipOptions options_;
  MembersFn on_members_;
  std::mutex client_mutex_;  // client_ changes on the membership thread; credentials() reads it
  std::unique_ptr<ZkClient> client_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool dirty_self_ = true;
  bool dirty_list_ = true;
  bool dirty_pass_ = false;
  bool expired_for_good_ = false;
  std::atomic<bool> connected_{false};
  std::atomic<bool> registered_{false};
  std::atomic<uint64_t> sessions_{0};
};

}  // namespace ferry::zk
