#pragma once
// Whether the broker reads agents' frames now: not while the disk budget is exhausted or
// the group commit is behind (store/disk_budget.h, store/group_committer.h). Acks and
// forwarding go on meanwhile. Agent sessions waiting for the gate to reopen register a
// waker; whatever may have reopened it (the group commit draining to its low watermark,
// the disk budget's periodic refresh) calls reopened(), so a session resumes at once
// instead of polling.
//
// Threading: closed() from any thread; on_reopen() and the wakers on the io thread;
// reopened() from any thread (it posts).
#include <functional>
#include <list>
#include <memory>

#include "common/net/asio.h"

namespace ferry::broker {

class IngestGate {
 public:
  IngestGate(asio::any_io_executor io, std::function<bool()> closed);

  bool closed() const { return closed_(); }
  // `wake` runs after each reopened() for as long as the returned handle lives.
  std::shared_ptr<void> on_reopen(std::function<void()> wake);
  void reopened();

 private:
  asio::any_io_executor io_;
  std::function<bool()> closed_;
  std::list<std::weak_ptr<std::function<void()>>> wakers_;  // io thread
};

}  // namespace ferry::broker
