#include "broker/ingest_gate.h"

namespace ferry::broker {

IngestGate::IngestGate(asio::any_io_executor io, std::function<bool()> closed)
    : io_(std::move(io)), closed_(std::move(closed)) {}

std::shared_ptr<void> IngestGate::on_reopen(std::function<void()> wake) {
  auto waker = std::make_shared<std::function<void()>>(std::move(wake));
  wakers_.push_back(waker);
  return waker;
}

void IngestGate::reopened() {
  asio::post(io_, [this] {
    for (auto it = wakers_.begin(); it != wakers_.end();) {
      if (auto waker = it->lock()) {
        (*waker)();
        ++it;
      } else {
        it = wakers_.erase(it);
      }
    }
  });
}

}  // namespace ferry::broker
