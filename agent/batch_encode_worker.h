#pragma once
// Encodes cut batches (compression, sealing) on a worker thread. Compression is most of
// the agent's CPU; on the io thread it kept the link from sending while it ran, so the
// agent read, compressed and sent by turns instead of at once.
//
// Batches come back, encoded, on the io thread and in the order they were submitted, so
// each stream's seqs stay in order. The worker has its own BatchEncoder: one compression
// context per thread.
//
// Used on the io thread; the worker touches only the batches handed to it.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/batch_encoder.h"
#include "agent/send/inflight_window.h"
#include "common/net/asio.h"

namespace ferry::agent {

class BatchEncodeWorker {
 public:
  using Batches = std::vector<send::InflightBatch>;
  using DoneFn = std::function<void(Batches)>;             // encoded: on to the checkpoint
  using FailFn = std::function<void(const std::string&)>;  // a batch could not be: stop

  BatchEncodeWorker(asio::io_context& io, std::unique_ptr<BatchEncoder> encoder, DoneFn done,
                    FailFn fail);
  ~BatchEncodeWorker();  // waits for the batches being encoded
  BatchEncodeWorker(const BatchEncodeWorker&) = delete;
  BatchEncodeWorker& operator=(const BatchEncodeWorker&) = delete;

  // Batches with `unencoded` set; each comes back with its frame.
  void submit(Batches batches);
  // Submitted and not yet handed back.
  size_t pending() const { return pending_; }

 private:
  asio::io_context& io_;
  std::unique_ptr<BatchEncoder> encoder_;  // the worker's
  DoneFn done_;
  FailFn fail_;
  asio::thread_pool worker_{1};
  size_t pending_ = 0;
  bool failed_ = false;
};

}  // namespace ferry::agent
