#include "agent/batch_encode_worker.h"

#include <fmt/format.h>

namespace ferry::agent {

BatchEncodeWorker::BatchEncodeWorker(asio::io_context& io, std::unique_ptr<BatchEncoder> encoder,
                                     DoneFn done, FailFn fail)
    : io_(io), encoder_(std::move(encoder)), done_(std::move(done)), fail_(std::move(fail)) {}

BatchEncodeWorker::~BatchEncodeWorker() { worker_.join(); }

void BatchEncodeWorker::submit(Batches batches) {
  if (batches.empty() || failed_) return;
  pending_ += batches.size();
  asio::post(worker_, [this, batches = std::move(batches)]() mutable {
    std::string failure;
    for (auto& b : batches) {
      auto encoded = encoder_->encode(b.category, b.seq, b.unencoded->built, b.unencoded->file);
      if (!encoded) {
        failure = fmt::format("cannot encode batch {}/{}: {}", b.category, b.seq,
                              encoded.error().message());
        break;
      }
      b.frame = std::move(encoded.value().frame);
      b.unencoded.reset();
    }
    asio::post(io_, [this, batches = std::move(batches), failure = std::move(failure)]() mutable {
      pending_ -= batches.size();
      if (failed_) return;
      if (!failure.empty()) {
        failed_ = true;  // nothing after it may go out: its seq would be missing
        fail_(failure);
        return;
      }
      done_(std::move(batches));
    });
  });
}

}  // namespace ferry::agent
