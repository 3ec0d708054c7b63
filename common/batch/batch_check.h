#pragma once
// What every receiving hop checks of a batch before it stores or writes it (DESIGN §2.6):
// the header's invariants, event times within the receiver's window, and the payload
// (CRC, decodes to exactly raw_size bytes, holds event_count whole lines). A batch that
// fails is refused alone, with the reason; it never reaches a store or an output file.

#include <string>
#include <system_error>

#include "common/batch/event_time_window.h"
#include "common/compress/zstd_codec.h"
#include "common/wire/messages.h"

namespace ferry::batch {

// Reusable state for checking batches on one thread.
class BatchChecker {
 public:
  explicit BatchChecker(EventTimeWindow window = kReceiverWindow) : window_(window) {}

  // A wire::Errc, with `why` naming what was wrong; {} when the batch is good.
  std::error_code check(const wire::BatchFrame& b, TimeMs now, std::string& why);

 private:
  EventTimeWindow window_;
  compress::ZstdDecompressor zstd_;
  std::string raw_;  // scratch; shrunk after large batches
};

}  // namespace ferry::batch
