#include "agent/checkpoint_flusher.h"

namespace ferry::agent {

CheckpointFlusher::CheckpointFlusher(asio::io_context& io, checkpoint::Checkpoint& checkpoint,
                                     ReleaseFn release, FailFn fail)
    : io_(io), checkpoint_(checkpoint), release_(std::move(release)), fail_(std::move(fail)) {}

CheckpointFlusher::~CheckpointFlusher() { worker_.join(); }

void CheckpointFlusher::submit(Batches batches) {
  if (batches.empty()) return;
  for (auto& b : batches) waiting_.push_back(std::move(b));
  if (!writing_) start_write();
}

void CheckpointFlusher::request() {
  requested_ = true;
  if (!writing_) start_write();
}

void CheckpointFlusher::start_write() {
  if (failed_) return;
  requested_ = false;
  auto write = checkpoint_.prepare_flush();
  in_write_ = std::move(waiting_);
  waiting_.clear();
  if (!write) {  // nothing changed since the last write: what waited is durable already
    if (!in_write_.empty()) release_(std::exchange(in_write_, {}));
    return;
  }
  writing_ = true;
  asio::post(worker_, [this, write = std::move(*write)]() mutable {
    auto result = checkpoint::Checkpoint::write_prepared(write);
    asio::post(io_,
               [this, write = std::move(write), result]() mutable { on_written(write, result); });
  });
}

void CheckpointFlusher::on_written(const checkpoint::Checkpoint::PreparedWrite& write,
                                   Result<void> result) {
  writing_ = false;
  checkpoint_.flushed(write, result.has_value());
  if (!result) {
    failed_ = true;  // nothing recorded since may go out: the seqs' ranges are not durable
    fail_(result.error());
    return;
  }
  if (!in_write_.empty()) release_(std::exchange(in_write_, {}));
  if (!waiting_.empty() || requested_) start_write();
}

}  // namespace ferry::agent
